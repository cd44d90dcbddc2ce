// Errors that end a browser flow on the SSO error page, with Synapse's error identifiers
// (behaviour reference §1.10, §2.2): the identifier goes to the page for admins, the description
// is the sentence the person reads. Never an exception's internals.
import { renderSsoPage } from "../pages/sso-pages";

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

export async function ssoErrorResponse(error: SsoError): Promise<Response> {
  const headers = new Headers();
  for (const cookie of error.cookies) headers.append("Set-Cookie", cookie);
  return renderSsoPage(
    "sso_error",
    { error: error.error, description: error.description, restartUrl: error.restartUrl },
    { status: error.status, headers },
  );
}

export function accountDeactivatedResponse(headers?: HeadersInit): Promise<Response> {
  return renderSsoPage("account_deactivated", {}, { status: 403, headers });
}
