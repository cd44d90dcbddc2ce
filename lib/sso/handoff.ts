// The end of every SSO login (Synapse's AuthHandler.complete_sso_login): a whitelisted client gets
// the browser back at once with a login token; any other client only after the person confirms on
// the redirect-confirm page. Here the login token is created only by that confirmation (a POST),
// so it never sits in a page or a history entry before the person has agreed.
import { createLoginToken } from "../auth/login-tokens";
import { hashSecret } from "../auth/secrets";
import { getConfig } from "../config/load-config";
import { randomBase64Url } from "../crypto/random-pool";
import { db } from "../db/client";
import { browserFlowCookieOptions, clearCookie, readCookie, serializeCookie } from "../http/cookies";
import { renderSsoPage } from "../pages/sso-pages";
import {
  clientRedirectUrlProblem,
  displayUrlOf,
  formActionSourceOf,
  isWhitelistedClient,
  withLoginToken,
} from "./client-redirect";
import { ssoConfigOf } from "./config";
import { storeExtraAttributes } from "./extra-attributes";
import { accountDeactivatedResponse, expiredLinkError, SsoError } from "./sso-error";

export const HANDOFF_COOKIE = "sso_handoff";
export const CONFIRM_PATH = "/_synapse/client/sso_confirm";
const HANDOFF_LIFETIME_MS = 10 * 60_000;

export interface FinishedSsoLogin {
  userId: string;
  clientRedirectUrl: string;
  authProviderId: string;
  authProviderSessionId?: string | null;
  newUser: boolean;
  extraAttributes?: Record<string, unknown> | null;
}

function handoffCookieOptions() {
  return browserFlowCookieOptions(CONFIRM_PATH, getConfig().public_baseurl);
}

/**
 * Responds to the browser at the end of a login: 302 to a whitelisted client, else 303 to the
 * confirm page (GET CONFIRM_PATH). Redirecting rather than answering with the page itself means the
 * page is not the IdP callback's or the picker's POST: reloading it, or coming Back to it, asks for
 * the page again instead of replaying a spent callback or re-submitting the picker.
 */
export async function finishSsoLogin(login: FinishedSsoLogin, extraHeaders: string[] = []): Promise<Response> {
  const config = getConfig();
  const headers = new Headers();
  for (const cookie of extraHeaders) headers.append("Set-Cookie", cookie);

  const user = await db().user.findUnique({ where: { userId: login.userId }, select: { deactivated: true, displayName: true } });
  if (!user || user.deactivated) return accountDeactivatedResponse(headers);
  const problem = clientRedirectUrlProblem(login.clientRedirectUrl);
  if (problem) throw new SsoError("invalid_client_redirect", problem);
  if (login.extraAttributes && Object.keys(login.extraAttributes).length > 0) {
    await storeExtraAttributes(login.userId, login.extraAttributes);
  }

  if (isWhitelistedClient(login.clientRedirectUrl, ssoConfigOf(config).clientWhitelist)) {
    const token = await createLoginToken(login.userId, config.login_token_lifetime, login);
    headers.set("Location", withLoginToken(login.clientRedirectUrl, token));
    headers.set("Cache-Control", "no-store");
    headers.set("Referrer-Policy", "no-referrer");
    return new Response(null, { status: 302, headers });
  }

  const secret = randomBase64Url(32);
  await db().ssoHandoff.create({
    data: {
      idHash: hashSecret(secret),
      userId: login.userId,
      clientRedirectUrl: login.clientRedirectUrl,
      authProviderId: login.authProviderId,
      authProviderSessionId: login.authProviderSessionId ?? null,
      newUser: login.newUser,
      expiresAt: new Date(Date.now() + HANDOFF_LIFETIME_MS),
    },
  });
  headers.append("Set-Cookie", serializeCookie(HANDOFF_COOKIE, secret, { ...handoffCookieOptions(), maxAgeSeconds: HANDOFF_LIFETIME_MS / 1000 }));
  headers.set("Location", CONFIRM_PATH);
  headers.set("Cache-Control", "no-store");
  return new Response(null, { status: 303, headers });
}

/** "Start again": the same client's login at the same IdP. */
function restartUrlOf(handoff: { authProviderId: string; clientRedirectUrl: string }): string {
  return `${getConfig().public_baseurl}_matrix/client/v3/login/sso/redirect/${encodeURIComponent(handoff.authProviderId)}?${new URLSearchParams({ redirectUrl: handoff.clientRedirectUrl })}`;
}

/**
 * GET /_synapse/client/sso_confirm: the confirm page of the browser's waiting hand-off, as often as
 * it is asked for (nothing is created or consumed). Once the hand-off is used or gone, a plain
 * "expired or already used" page with "Start again".
 */
export async function showHandoff(request: Request): Promise<Response> {
  // Synapse's templates link to redirect_url (a GET) instead of posting: that link carries ?continue.
  if (new URL(request.url).searchParams.has("continue")) return confirmHandoff(request);
  const secret = readCookie(request, HANDOFF_COOKIE);
  if (!secret) throw expiredLinkError("/", "sso_confirm: no sso_handoff cookie (the hand-off was used, or its cookie expired)");
  const handoff = await db().ssoHandoff.findUnique({ where: { idHash: hashSecret(secret) } });
  if (!handoff) throw expiredLinkError("/", "sso_confirm: unknown hand-off (already used)");
  if (handoff.expiresAt.getTime() <= Date.now()) {
    throw expiredLinkError(restartUrlOf(handoff), `sso_confirm: hand-off for ${handoff.userId} expired at ${handoff.expiresAt.toISOString()}`);
  }
  const user = await db().user.findUnique({ where: { userId: handoff.userId }, select: { deactivated: true, displayName: true } });
  if (!user || user.deactivated) return accountDeactivatedResponse();
  return renderSsoPage(
    "redirect_confirm",
    {
      displayUrl: displayUrlOf(handoff.clientRedirectUrl),
      userId: handoff.userId,
      displayName: user.displayName,
      newUser: handoff.newUser,
      action: CONFIRM_PATH,
      linkAction: `${CONFIRM_PATH}?continue=1`,
    },
    // The confirm form's answer redirects to the client, which form-action must allow.
    { formActions: [formActionSourceOf(handoff.clientRedirectUrl)] },
  );
}

/**
 * POST /_synapse/client/sso_confirm: the person pressed Continue; hand the login to the client.
 * GET is also answered (Synapse's templates link here), but only for a navigation from one of our
 * own pages: a cross-site page must not be able to push a waiting hand-off through.
 */
export async function confirmHandoff(request: Request): Promise<Response> {
  const config = getConfig();
  if (request.method === "GET" && request.headers.get("sec-fetch-site") !== "same-origin") {
    throw new SsoError("bad_request", "Please use the Continue button on the confirmation page.", 403);
  }
  const secret = readCookie(request, HANDOFF_COOKIE);
  if (!secret) throw expiredLinkError("/", "sso_confirm: no sso_handoff cookie on Continue (the hand-off was used, or its cookie expired)");
  const idHash = hashSecret(secret);
  const handoff = await db().ssoHandoff.findUnique({ where: { idHash } });
  // Deleting first makes the hand-off single-use even if the button is pressed twice.
  const { count } = await db().ssoHandoff.deleteMany({ where: { idHash } });
  if (!handoff || count !== 1) throw expiredLinkError("/", "sso_confirm: Continue on a hand-off already used");
  if (handoff.expiresAt.getTime() <= Date.now()) {
    throw expiredLinkError(restartUrlOf(handoff), `sso_confirm: Continue on a hand-off for ${handoff.userId} that expired at ${handoff.expiresAt.toISOString()}`);
  }
  const user = await db().user.findUnique({ where: { userId: handoff.userId }, select: { deactivated: true } });
  if (!user || user.deactivated) return accountDeactivatedResponse();
  const token = await createLoginToken(handoff.userId, config.login_token_lifetime, handoff);
  const headers = new Headers({
    Location: withLoginToken(handoff.clientRedirectUrl, token),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
  });
  headers.append("Set-Cookie", clearCookie(HANDOFF_COOKIE, handoffCookieOptions()));
  return new Response(null, { status: 303, headers });
}
