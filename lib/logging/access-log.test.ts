import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
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
    ["/account/link?attempt=s3cret", "/account/link?attempt=<redacted>"],
    [
      "/_matrix/client/v3/login/sso/redirect/oidc?redirectUrl=https%3A%2F%2Fhs%2Faccount%2Flink%3Fattempt%3Ds3cret",
      "/_matrix/client/v3/login/sso/redirect/oidc?redirectUrl=<redacted>",
    ],
  ])("%s", (target, expected) => {
    expect(redactRequestTarget(target)).toBe(expected);
  });
});

it("formats method, path, status, duration and client address", () => {
  expect(formatAccessLine({ method: "GET", path: "/", status: 200, durationMs: 1.234, clientIp: "127.0.0.1" })).toBe('127.0.0.1 "GET /" 200 1.2ms');
});

// The lines are batched per turn of the event loop; a process that exits right after answering
// (process.exit in a shutdown handler) must still have written every one of them.
it("writes every request's line, also when the process exits right after the last answer", () => {
  const script = `
    const { createServer } = require("node:http");
    const { logRequestWhenDone } = require(${JSON.stringify(fileURLToPath(new URL("./access-log.ts", import.meta.url)))});
    let answered = 0;
    const server = createServer((request, response) => {
      logRequestWhenDone(request, response, "192.0.2.1");
      // Exits in the same turn as the 50th line is taken, before any batch of the turn is written.
      response.once("close", () => {
        if (++answered === 50) process.exit(0);
      });
      response.end("ok");
    });
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      for (let n = 0; n < 50; n += 1) fetch("http://127.0.0.1:" + port + "/r" + n + "?loginToken=secret").then((r) => r.text());
    });`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--eval", script], {
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info" },
    encoding: "utf8",
  });
  expect(result.status).toBe(0);
  const lines = result.stderr.split("\n").filter((line) => line.includes(" INFO access "));
  expect(lines).toHaveLength(50);
  for (let n = 0; n < 50; n += 1) expect(result.stderr).toContain(`access 192.0.2.1 "GET /r${n}?loginToken=<redacted>" 200 `);
});
