// The one translation of request-body schema failures into the Matrix errors clients see: Synapse's
// codes and words, the first problem in Synapse's order of checks.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isMatrixError } from "./errors";
import {
  changePasswordBodySchema,
  deleteDevicesBodySchema,
  loginBodySchema,
  loginIdentifierTypeSchema,
  passwordLoginFieldsSchema,
  phoneIdentifierSchema,
  thirdPartyIdentifierSchema,
  userIdentifierSchema,
  refreshBodySchema,
  renameDeviceBodySchema,
  tokenLoginFieldsSchema,
  uiAuthBodySchema,
} from "./request-bodies";
import { parseMatrixBody, synapseWording } from "./request-body";

// As the admin API's user update: every problem M_INVALID_PARAM, explained.
const explainedSchema = z.object({ threepids: z.array(z.object({ medium: z.string(), address: z.string() })).optional() });
synapseWording.add(explainedSchema, { explained: "M_INVALID_PARAM" });

function answerOf(schema: z.ZodType, body: unknown): { status: number; json: unknown } | "accepted" {
  try {
    parseMatrixBody(schema, body);
    return "accepted";
  } catch (error) {
    if (!isMatrixError(error)) throw error;
    return { status: error.status, json: error.toJSON() };
  }
}

const bad = (errcode: string, error: string) => ({ status: 400, json: { errcode, error } });

describe("parseMatrixBody", () => {
  const cases: Array<{ name: string; schema: z.ZodType; body: unknown; expected: ReturnType<typeof answerOf> }> = [
    { name: "a list instead of an object", schema: refreshBodySchema, body: ["x"], expected: bad("M_BAD_JSON", "Content must be a JSON object.") },
    { name: "null instead of an object", schema: loginBodySchema, body: null, expected: bad("M_BAD_JSON", "Content must be a JSON object.") },
    { name: "missing field", schema: refreshBodySchema, body: {}, expected: bad("M_MISSING_PARAM", "Missing params: ['refresh_token']") },
    { name: "field of the wrong type", schema: refreshBodySchema, body: { refresh_token: 1 }, expected: bad("M_INVALID_PARAM", "Invalid param: refresh_token") },
    { name: "null where a string may be absent", schema: renameDeviceBodySchema, body: { display_name: null }, expected: bad("M_INVALID_PARAM", "Invalid param: display_name") },
    { name: "login: refresh_token checked first", schema: loginBodySchema, body: { refresh_token: "yes" }, expected: bad("M_UNKNOWN", "`refresh_token` should be true or false.") },
    { name: "login: no type", schema: loginBodySchema, body: { device_id: 5 }, expected: bad("M_UNKNOWN", "Missing JSON keys.") },
    { name: "login: type not a string", schema: loginBodySchema, body: { type: 1 }, expected: bad("M_INVALID_PARAM", "Bad parameter: type") },
    { name: "login: device_id not a string", schema: loginBodySchema, body: { type: "m.login.password", device_id: [] }, expected: bad("M_INVALID_PARAM", "Bad parameter: device_id") },
    {
      name: "login: display name type before device_id length",
      schema: loginBodySchema,
      body: { type: "m.login.password", device_id: "D".repeat(513), initial_device_display_name: 1 },
      expected: bad("M_INVALID_PARAM", "Bad parameter: initial_device_display_name"),
    },
    {
      name: "login: device_id too long",
      schema: loginBodySchema,
      body: { type: "m.login.password", device_id: "D".repeat(513) },
      expected: bad("M_INVALID_PARAM", "device_id cannot be longer than 512 characters."),
    },
    { name: "login: null device_id and name are absent", schema: loginBodySchema, body: { type: "x", device_id: null, initial_device_display_name: null }, expected: "accepted" },
    { name: "m.login.token: no token", schema: tokenLoginFieldsSchema, body: { type: "m.login.token" }, expected: bad("M_UNKNOWN", "Missing JSON keys.") },
    { name: "m.login.token: token not a string", schema: tokenLoginFieldsSchema, body: { token: {} }, expected: bad("M_INVALID_PARAM", "Bad parameter: token") },
    { name: "m.login.password: password not a string", schema: passwordLoginFieldsSchema, body: { password: 1 }, expected: bad("M_INVALID_PARAM", "Bad parameter: password") },
    { name: "m.login.password: no password", schema: passwordLoginFieldsSchema, body: {}, expected: bad("M_INVALID_PARAM", "Bad parameter: password") },
    { name: "identifier: no type", schema: loginIdentifierTypeSchema, body: { user: "a" }, expected: bad("M_MISSING_PARAM", "'identifier' dict has no key 'type'") },
    { name: "identifier: type not a string", schema: loginIdentifierTypeSchema, body: { type: null }, expected: bad("M_UNKNOWN", "Unknown login identifier type") },
    { name: "m.id.user: empty user", schema: userIdentifierSchema, body: { type: "m.id.user", user: "" }, expected: bad("M_UNKNOWN", "User identifier is missing 'user' key") },
    { name: "m.id.user: no user", schema: userIdentifierSchema, body: { type: "m.id.user" }, expected: bad("M_UNKNOWN", "User identifier is missing 'user' key") },
    { name: "m.id.thirdparty: no address", schema: thirdPartyIdentifierSchema, body: { medium: "email" }, expected: bad("M_UNKNOWN", "Invalid thirdparty identifier") },
    { name: "m.id.phone: number not a string", schema: phoneIdentifierSchema, body: { country: "GB", phone: 44 }, expected: bad("M_INVALID_PARAM", "Invalid phone-type identifier") },
    { name: "m.id.phone: no country", schema: phoneIdentifierSchema, body: { phone: "44" }, expected: bad("M_INVALID_PARAM", "Invalid phone-type identifier") },
    { name: "m.id.phone: the older `number`", schema: phoneIdentifierSchema, body: { country: "GB", phone: null, number: "+44 1" }, expected: "accepted" },
    { name: "delete_devices: a device ID not a string", schema: deleteDevicesBodySchema, body: { devices: ["A", 2] }, expected: bad("M_MISSING_PARAM", "Missing params: ['devices']") },
    { name: "delete_devices: no list", schema: deleteDevicesBodySchema, body: { devices: "A" }, expected: bad("M_MISSING_PARAM", "Missing params: ['devices']") },
    { name: "password: new_password not a string", schema: changePasswordBodySchema, body: { new_password: 5 }, expected: bad("M_MISSING_PARAM", "Missing params: ['new_password']") },
    { name: "password: logout_devices not a bool", schema: changePasswordBodySchema, body: { new_password: "p", logout_devices: "no" }, expected: bad("M_INVALID_PARAM", "Invalid param: logout_devices") },
    { name: "UI auth: auth a string", schema: uiAuthBodySchema, body: { auth: "x" }, expected: bad("M_BAD_JSON", "auth must be an object") },
    { name: "UI auth: auth null", schema: uiAuthBodySchema, body: { auth: null }, expected: bad("M_BAD_JSON", "auth must be an object") },
    {
      name: "explained: a missing field deep inside",
      schema: explainedSchema,
      body: { threepids: [{ medium: "email" }] },
      expected: bad("M_INVALID_PARAM", "Invalid param: threepids.0.address: Invalid input: expected string, received undefined"),
    },
    { name: "UI auth: session of another type is left to the stage check", schema: uiAuthBodySchema, body: { auth: { session: 5 } }, expected: "accepted" },
  ];
  for (const { name, schema, body, expected } of cases) {
    it(name, () => {
      expect(answerOf(schema, body)).toEqual(expected);
    });
  }

  it("keeps unknown fields, which UI auth binds its session to", () => {
    const body = { devices: ["A"], auth: { type: "m.login.password" }, extra: { nested: [1] } };
    expect(parseMatrixBody(deleteDevicesBodySchema, body)).toEqual(body);
  });
});
