// Errors that end a browser flow on the SSO error page, with Synapse's error identifiers
// (behaviour reference §1.10, §2.2): the identifier goes to the page for admins, the description
// is the sentence the person reads. Never an exception's internals.
import { createElement } from "react";
import { htmlResponse } from "../pages/html-response";
import { AccountDeactivatedView, SsoErrorView } from "../pages/views/sso-error";

export class SsoError extends Error {
  /** Set-Cookie headers the error response must still carry (e.g. clearing a spent state cookie). */
  readonly cookies: string[] = [];

  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly restartUrl?: string,
  ) {
    super(`${error}: ${description}`);
    this.name = "SsoError";
  }
}

/** Raised when an SSO login reaches a deactivated account. */
export class AccountDeactivatedError extends Error {
  constructor() {
    super("account deactivated");
    this.name = "AccountDeactivatedError";
  }
}

export function ssoErrorResponse(error: SsoError): Response {
  const response = htmlResponse(
    createElement(SsoErrorView, { error: error.error, description: error.description, restartUrl: error.restartUrl }),
    { status: error.status },
  );
  for (const cookie of error.cookies) response.headers.append("Set-Cookie", cookie);
  return response;
}

export function accountDeactivatedResponse(headers?: HeadersInit): Response {
  return htmlResponse(createElement(AccountDeactivatedView), { status: 403, headers });
}
