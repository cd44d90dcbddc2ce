// POST /_matrix/client/v1/login/get_token (spec v1.7, MSC3882; Synapse's LoginTokenRequestServlet):
// a signed-in device asks for a short-lived, single-use m.login.token
// with which another device (one scanning a QR code, say) signs in as the same user. It exists
// only with `login_via_existing_session.enabled`, as Synapse registers the servlet only then, and it
// is the only place that advertises `get_login_token: true` on GET /login (lib/auth/login.ts).
import { getConfig } from "../config/load-config";
import { unrecognized } from "../matrix/errors";
import type { MatrixHandler, MatrixRequest } from "../matrix/route";
import { parseMatrixBody } from "../matrix/request-body";
import { jsonObjectBodySchema } from "../matrix/request-bodies";
import { sharedLimiter } from "../ratelimit/login-limiters";
import type { RateLimitSettings } from "../ratelimit/rate-limiter";
import { authenticateRequest } from "./access-tokens";
import { createLoginToken } from "./login-tokens";
import { requireUiAuth } from "./ui-auth/check-ui-auth";

/**
 * Synapse's fixed limit: one token a minute per user. Each token can start a new session, so a
 * stolen access token must not be able to spawn sessions at will.
 */
export const LOGIN_TOKEN_REQUEST_LIMIT: RateLimitSettings = { per_second: 1 / 60, burst_count: 1 };

/** Disabled, the endpoint is not there at all: every method answers like an unknown path. */
function requireEnabled(): void {
  if (!getConfig().login_via_existing_session.enabled) throw unrecognized();
}

async function requestLoginToken({ request, url, json }: MatrixRequest): Promise<object> {
  requireEnabled();
  const { require_ui_auth: requireUiAuthFirst, token_timeout: lifetimeMs } = getConfig().login_via_existing_session;
  const requester = await authenticateRequest(request);
  const body = parseMatrixBody(jsonObjectBodySchema, await json());
  if (requireUiAuthFirst) {
    // Never skipped by ui_auth.session_timeout: Synapse passes can_skip_ui_auth=False here.
    await requireUiAuth({ requester, method: "POST", uri: url.pathname, body, description: "issue a new access token for your account" });
  }
  // After UI auth, as Synapse: the password round trip does not use up the minute's token.
  await sharedLimiter("login_token_request", LOGIN_TOKEN_REQUEST_LIMIT).check(requester.userId.toLowerCase());
  const loginToken = await createLoginToken(requester.userId, lifetimeMs);
  return {
    login_token: loginToken,
    expires_in_ms: lifetimeMs,
    // MSC3882's unstable field, still sent by Synapse for older clients.
    expires_in: Math.floor(lifetimeMs / 1000),
  };
}

const methodNotAllowed: MatrixHandler = () => {
  requireEnabled();
  throw unrecognized(405);
};

/** The endpoint's handlers, for matrixEndpoint: POST, and 405 (or 404 when disabled) otherwise. */
export const loginTokenRequestHandlers = {
  GET: methodNotAllowed,
  PUT: methodNotAllowed,
  DELETE: methodNotAllowed,
  POST: requestLoginToken,
};
