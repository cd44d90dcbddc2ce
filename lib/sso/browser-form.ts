// The forms a person posts on the SSO and UI-auth pages (username picker, consent step, password
// fallback): small, read within one limit without buffering past it, and answered on the error
// page when they are not.
import { readFormBody } from "../http/body";
import { SsoError } from "./sso-error";

/** Far more than any of these forms needs (a username, a few e-mail addresses, a password). */
export const MAX_FORM_BYTES = 16 * 1024;

export function readBrowserForm(request: Request, tooLargeStatus = 400): Promise<URLSearchParams> {
  return readFormBody(request, MAX_FORM_BYTES, () => new SsoError("bad_param", "The form is too large.", tooLargeStatus));
}
