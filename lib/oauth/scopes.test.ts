import { describe, expect, it } from "vitest";
import { parseMatrixScope, ScopeError } from "./scopes";

const DEVICE = "ABCDEFGHIJ";

describe("parseMatrixScope", () => {
  it.each([
    ["the stable scopes", `urn:matrix:client:api:* urn:matrix:client:device:${DEVICE}`, { deviceId: DEVICE, admin: false, openid: false, prefix: "stable" }],
    ["the unstable scopes with openid", `openid urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:${DEVICE}`, { deviceId: DEVICE, admin: false, openid: true, prefix: "unstable" }],
    ["the admin scope", `urn:matrix:client:api:* urn:matrix:client:device:${DEVICE} urn:synapse:admin:*`, { deviceId: DEVICE, admin: true, openid: false, prefix: "stable" }],
    ["every allowed device ID character", "urn:matrix:client:api:* urn:matrix:client:device:aZ0._~!$&'()*+,;=:@/-", { deviceId: "aZ0._~!$&'()*+,;=:@/-", admin: false, openid: false, prefix: "stable" }],
    ["a scope repeated", `urn:matrix:client:api:* urn:matrix:client:api:* urn:matrix:client:device:${DEVICE}`, { deviceId: DEVICE, admin: false, openid: false, prefix: "stable" }],
  ])("accepts %s", (_name, scope, expected) => {
    expect(parseMatrixScope(scope)).toEqual(expected);
  });

  it.each([
    ["nothing", "", /api/],
    ["mixed prefixes", `urn:matrix:client:api:* urn:matrix:org.matrix.msc2967.client:device:${DEVICE}`, /mixed/],
    ["two devices", `urn:matrix:client:api:* urn:matrix:client:device:${DEVICE} urn:matrix:client:device:${DEVICE}X`, /exactly one/],
    ["no device", "urn:matrix:client:api:*", /exactly one/],
    ["a short device ID", "urn:matrix:client:api:* urn:matrix:client:device:ABC", /10 characters/],
    ["a device ID with a space-like character", "urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ%20", /10 characters/],
    ["an unknown Matrix scope", `urn:matrix:client:api:* urn:matrix:client:device:${DEVICE} urn:matrix:client:guest`, /not one this server grants/],
    ["a foreign scope", `urn:matrix:client:api:* urn:matrix:client:device:${DEVICE} profile`, /not one this server grants/],
  ])("refuses %s", (_name, scope, message) => {
    expect(() => parseMatrixScope(scope)).toThrow(ScopeError);
    expect(() => parseMatrixScope(scope)).toThrow(message);
  });
});
