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

/**
 * Synapse's descriptions that are written for developers (a missing query parameter, the shape of a
 * CAS answer, a session ID): the page says what they mean for the person instead, and the original
 * goes to the log with the error code.
 */
const DEVELOPER_WORDING: { pattern: RegExp; plain: string }[] = [
  {
    pattern: /^Missing string query parameter|parameter is missing$|^Unknown session ID/,
    plain: "This sign-in link is incomplete or was changed on the way. Start the login again from your app.",
  },
  {
    pattern: /^root of CAS response|^Unsuccessful CAS response|^CAS response does not contain user/,
    plain: "The sign-in service's answer could not be used. Try again; if it keeps happening, tell the server's administrator.",
  },
];

function descriptionForPeople(description: string): string {
  return DEVELOPER_WORDING.find(({ pattern }) => pattern.test(description))?.plain ?? description;
}

export async function ssoErrorResponse(error: SsoError): Promise<Response> {
  // The person reads a sentence; the admin gets the cause (point 7 of issue 15).
  logger.info(`SSO error page ${error.status} ${error.error}: ${error.logDetail ?? error.description}`);
  const headers = new Headers();
  for (const cookie of error.cookies) headers.append("Set-Cookie", cookie);
  return renderSsoPage(
    "sso_error",
    { error: error.error, description: descriptionForPeople(error.description), restartUrl: error.restartUrl, heading: error.heading },
    { status: error.status, headers },
  );
}

export function accountDeactivatedResponse(headers?: HeadersInit): Promise<Response> {
  return renderSsoPage("account_deactivated", {}, { status: 403, headers });
}
