// Errors that end a browser flow on the SSO error page, with Synapse's error identifiers: the
// identifier goes to the page for admins, the description is the sentence the person reads. Never an exception's internals.
import { logger } from "../logging/logger";
import { renderSsoPage } from "../pages/sso-pages";

export class SsoError extends Error {
  /** Set-Cookie headers the error response must still carry (e.g. clearing a spent state cookie). */
  readonly cookies: string[] = [];
  /** The page's heading, when the generic "There was an error" says less than it should. */
  heading?: string;
  /** What exactly went wrong, for the admin's log; never shown to the person. */
  logDetail?: string;

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

/**
 * A link or page that no longer leads anywhere: a reloaded or revisited page of a finished or
 * expired sign-in. Said in plain words, with "Start again" (the client's login when it is still
 * known, else the root page); the technical cause goes to the log.
 */
export function expiredLinkError(restartUrl: string, logDetail: string, description = "Nothing was changed. Start again to sign in."): SsoError {
  const error = new SsoError("bad_session", description, 400, restartUrl);
  error.heading = "This sign-in link has expired or was already used";
  error.logDetail = logDetail;
  return error;
}

export async function ssoErrorResponse(error: SsoError): Promise<Response> {
  // The person reads a sentence; the admin gets the cause (point 7 of issue 15).
  logger.info(`SSO error page ${error.status} ${error.error}: ${error.logDetail ?? error.description}`);
  const headers = new Headers();
  for (const cookie of error.cookies) headers.append("Set-Cookie", cookie);
  return renderSsoPage(
    "sso_error",
    { error: error.error, description: error.description, restartUrl: error.restartUrl, heading: error.heading },
    { status: error.status, headers },
  );
}

export function accountDeactivatedResponse(headers?: HeadersInit): Promise<Response> {
  return renderSsoPage("account_deactivated", {}, { status: 403, headers });
}
