import { describe, expect, it } from "vitest";
import { formatAccessLine, redactRequestTarget } from "./access-log";

describe("redactRequestTarget", () => {
  it.each([
    ["/_matrix/client/v3/login", "/_matrix/client/v3/login"],
    ["/app?loginToken=syl_secret&state=xyz", "/app?loginToken=<redacted>&state=<redacted>"],
    ["/_synapse/client/oidc/callback?code=abc&state=def&iss=https%3A%2F%2Fidp", "/_synapse/client/oidc/callback?code=<redacted>&state=<redacted>&iss=https%3A%2F%2Fidp"],
    ["/_matrix/client/r0/login/cas/ticket?redirectUrl=https%3A%2F%2Fapp&ticket=ST-1", "/_matrix/client/r0/login/cas/ticket?redirectUrl=https%3A%2F%2Fapp&ticket=<redacted>"],
    ["/_synapse/client/saml2/authn_response?SAMLResponse=PHNhbWw%2B&RelayState=r", "/_synapse/client/saml2/authn_response?SAMLResponse=<redacted>&RelayState=<redacted>"],
    ["/x?%6CoginToken=a&LOGINTOKEN=b&keep=1", "/x?%6CoginToken=<redacted>&LOGINTOKEN=<redacted>&keep=1"],
    ["/x?flag&code", "/x?flag&code"],
  ])("%s", (target, expected) => {
    expect(redactRequestTarget(target)).toBe(expected);
  });
});

it("formats method, path, status, duration and client address", () => {
  expect(formatAccessLine({ method: "GET", path: "/", status: 200, durationMs: 1.234, clientIp: "127.0.0.1" })).toBe('127.0.0.1 "GET /" 200 1.2ms');
});
