// The forms a person posts on the SSO and UI-auth pages (username picker, consent step, password
// fallback): small, read within one limit without buffering past it, read into a zod schema's
// fields, and answered on the error page when they are not right.
import type { z } from "zod";
import { readFormBody } from "../http/body";
import { SsoError } from "./sso-error";

/** Far more than any of these forms needs (a username, a few e-mail addresses, a password). */
export const MAX_FORM_BYTES = 16 * 1024;

export function readBrowserForm(request: Request, tooLargeStatus = 400): Promise<URLSearchParams> {
  return readFormBody(request, MAX_FORM_BYTES, () => new SsoError("bad_param", "The form is too large.", tooLargeStatus));
}

/**
 * The form's fields as `schema` reads them: a list field gets every value of its name, any other
 * field the first (absent: undefined). A missing field is answered as Synapse's parse_string does.
 */
export function browserFormFields<Shape extends z.ZodRawShape>(form: URLSearchParams, schema: z.ZodObject<Shape>): z.output<z.ZodObject<Shape>> {
  const fields = Object.fromEntries(
    Object.entries(schema.shape).map(([name, field]) => [name, field._zod.def.type === "array" ? form.getAll(name) : (form.get(name) ?? undefined)]),
  );
  const result = schema.safeParse(fields);
  if (!result.success) {
    const name = String(result.error.issues[0].path[0] ?? "");
    throw new SsoError("bad_param", `Missing string query parameter '${name}'`);
  }
  return result.data;
}
