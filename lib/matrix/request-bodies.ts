// The JSON bodies of the Matrix client-server endpoints this service answers, as zod schemas read
// by parseMatrixBody (./request-body.ts). Fields are listed in the order Synapse checks them, so the
// first problem reported is the one Synapse reports; unknown fields are kept (loose objects), since
// UI-auth binds a session to the whole body. Wire names as the spec spells them.
import { z } from "zod";
import { synapseWording, type FieldWording, type MatrixAnswer } from "./request-body";

function worded<S extends z.ZodType>(schema: S, wording: FieldWording): S {
  synapseWording.add(schema, wording);
  return schema;
}

/** Any JSON object (endpoints whose fields are all read elsewhere, e.g. only `auth`). */
export const jsonObjectBodySchema = z.looseObject({});

// POST /login (Synapse's LoginRestServlet.on_POST and AuthHandler.validate_login): the servlet's own
// words, "Bad parameter: x" and "Missing JSON keys.", not the usual ones.
const badParameter = (name: string): MatrixAnswer => ["M_INVALID_PARAM", `Bad parameter: ${name}`];
const MISSING_JSON_KEYS: MatrixAnswer = ["M_UNKNOWN", "Missing JSON keys."];
const MAX_DEVICE_ID_LENGTH = 512;
const everyProblem = (answer: MatrixAnswer): FieldWording => ({ missing: answer, invalid: answer });

export const loginBodySchema = z
  .looseObject({
    refresh_token: worded(z.boolean().optional(), { invalid: ["M_UNKNOWN", "`refresh_token` should be true or false."] }),
    type: worded(z.string(), { missing: MISSING_JSON_KEYS, invalid: badParameter("type") }),
    device_id: worded(z.string().nullish(), { invalid: badParameter("device_id") }),
    initial_device_display_name: worded(z.string().nullish(), { invalid: badParameter("initial_device_display_name") }),
  })
  // After the field types, as Synapse checks the length last.
  .refine((body) => (body.device_id ?? "").length <= MAX_DEVICE_ID_LENGTH, {
    message: `device_id cannot be longer than ${MAX_DEVICE_ID_LENGTH} characters.`,
  });

/** m.login.token's field, checked once the login type is known (after the address rate limit). */
export const tokenLoginFieldsSchema = z.looseObject({
  token: worded(z.string(), { missing: MISSING_JSON_KEYS, invalid: badParameter("token") }),
});

/** m.login.password's field (also the UI-auth password stage's). */
export const passwordLoginFieldsSchema = z.looseObject({
  password: worded(z.string(), everyProblem(badParameter("password"))),
});

/** POST /refresh */
export const refreshBodySchema = z.looseObject({ refresh_token: z.string() });

/** PUT /devices/{deviceId} */
export const renameDeviceBodySchema = z.looseObject({ display_name: z.string().optional() });

/** POST /delete_devices: a list of device IDs; Synapse answers any other value as missing. */
export const deleteDevicesBodySchema = z.looseObject({
  devices: worded(z.array(z.string()), { invalid: ["M_MISSING_PARAM", "Missing params: ['devices']"] }),
});

/** POST /account/password: a new password that is not a string is answered as missing (Synapse). */
export const changePasswordBodySchema = z.looseObject({
  new_password: worded(z.string(), { invalid: ["M_MISSING_PARAM", "Missing params: ['new_password']"] }),
  logout_devices: z.boolean().optional(),
});

/**
 * The `auth` dict of a request that needs user-interactive auth. Only its being an object is
 * checked up front: a `session` or `type` of another type is treated as absent, as Synapse does.
 */
export const uiAuthBodySchema = z.looseObject({
  auth: worded(z.looseObject({}).optional(), { invalid: ["M_BAD_JSON", "auth must be an object"] }),
});

// The `identifier` of m.login.password and of the UI-auth password stage (Synapse's
// AuthHandler.validate_login, after the legacy top-level forms are turned into one). Each kind has
// Synapse's own words for any problem in it.
export const loginIdentifierTypeSchema = z.looseObject({
  type: worded(z.string(), {
    missing: ["M_MISSING_PARAM", "'identifier' dict has no key 'type'"],
    invalid: ["M_UNKNOWN", "Unknown login identifier type"],
  }),
});

export const userIdentifierSchema = worded(
  z.looseObject({ user: z.string().min(1) }),
  everyProblem(["M_UNKNOWN", "User identifier is missing 'user' key"]),
);

export const thirdPartyIdentifierSchema = worded(
  z.looseObject({ medium: z.string(), address: z.string() }),
  everyProblem(["M_UNKNOWN", "Invalid thirdparty identifier"]),
);

/** A phone number as `phone` or, in older clients, `number`. */
export const phoneIdentifierSchema = worded(
  z
    .looseObject({ country: z.string(), phone: z.unknown(), number: z.unknown() })
    .transform(({ country, phone, number }) => ({ country, number: phone ?? number }))
    .pipe(z.object({ country: z.string(), number: z.string() })),
  everyProblem(["M_INVALID_PARAM", "Invalid phone-type identifier"]),
);
