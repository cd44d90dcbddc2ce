// GET/POST /sign-in and GET /sign-in/sso: the one sign-in page of this service's own pages (the
// account page, the OAuth authorization endpoint). A password goes through the same gate as a Matrix
// password login (checkPasswordSignIn: password_config, rc_login, password auth provider modules,
// deactivation); an IdP button runs the ordinary SSO login, username picker and new-user consent
// included, coming back to /sign-in/sso with a login token that is consumed here, in-process.
//
// The SSO round trip is bound to the browser that started it: the button (a link to /sign-in/start,
// not a form: a form's redirect chain to the IdP would be blocked by the page's CSP form-action)
// seals a random nonce into a short-lived cookie and puts the same nonce in the return URL. A login token arriving
// without the matching cookie (someone else's token pushed at this browser: login CSRF) is refused
// before it is touched.
import { timingSafeEqual } from "node:crypto";
import { createElement } from "react";
import { z } from "zod";
import { passwordLoginEnabled, checkPasswordSignIn } from "../auth/login";
import { validatePasswordSubmission } from "../auth/validate-password";
import { loginLimiters } from "../ratelimit/login-limiters";
import { consumeLoginToken } from "../auth/login-tokens";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { randomBase64Url } from "../crypto/random-pool";
import { seal, unseal } from "../crypto/sealed";
import { db } from "../db/client";
import { crossSiteRequestProblem, forbiddenCrossSiteResponse } from "../http/browser-security";
import { readFormBody } from "../http/body";
import { clearCookie, isSecureBaseUrl, readCookie, serializeCookie } from "../http/cookies";
import { isMatrixError } from "../matrix/errors";
import { clientIpOf } from "../matrix/route";
import { htmlResponse } from "../pages/html-response";
import { findIdentityProvider, iconUrlOf, identityProviders } from "../sso/registry";
import { accountDeactivatedResponse, expiredLinkError, SsoError } from "../sso/sso-error";
import { activeTheme } from "../theme/theme-store";
import {
  findWebSession,
  safeNextPath,
  SIGN_IN_PATH,
  startWebSession,
  staysOnOwnPages,
  WEB_SESSION_COOKIE,
  type WebSession,
} from "./index";
import { continuePage } from "./continue-page";
import { SignInView } from "./views/sign-in-view";

/** Where an IdP login started here comes back; on sso.client_whitelist (lib/sso/config.ts), so no confirm page. */
export const SSO_RETURN_PATH = "/sign-in/sso";
export const SSO_START_PATH = "/sign-in/start";
const SSO_ATTEMPT_COOKIE = "web_sign_in";
const SSO_ATTEMPT_PURPOSE = "web-sign-in";
// Long enough for a first sign-in's username picker and consent page, short enough to be useless later.
const SSO_ATTEMPT_LIFETIME_S = 3600;
const MAX_FORM_BYTES = 16 * 1024;

const flag = z
  .string()
  .optional()
  .transform((value) => value === "1" || value === "true");

/** What the page and its forms carry: where to go afterwards, and how to ask. */
const signInQuerySchema = z.object({
  next: z.string().max(4096).optional(),
  reauth: flag,
  create: flag,
  login_hint: z.string().max(255).optional(),
});
type SignInQuery = z.output<typeof signInQuerySchema>;

function parseSignInQuery(params: URLSearchParams): SignInQuery {
  const raw = Object.fromEntries(["next", "reauth", "create", "login_hint"].flatMap((key) => (params.has(key) ? [[key, params.get(key)!]] : [])));
  const parsed = signInQuerySchema.safeParse(raw);
  return parsed.success ? parsed.data : { next: undefined, reauth: false, create: false, login_hint: undefined };
}

function carriedFields(query: SignInQuery): Record<string, string> {
  return {
    next: safeNextPath(query.next),
    ...(query.reauth ? { reauth: "1" } : {}),
    ...(query.create ? { create: "1" } : {}),
  };
}

function attemptCookieOptions(config: HomeserverConfig) {
  return { path: SIGN_IN_PATH, httpOnly: true, sameSite: "Lax" as const, secure: isSecureBaseUrl(config.public_baseurl) };
}

interface PageState {
  error?: string;
  status?: number;
  username?: string;
}

async function renderSignInPage(query: SignInQuery, session: WebSession | null, state: PageState = {}): Promise<Response> {
  const config = getConfig();
  const { theme } = await activeTheme();
  const mode = query.create ? "create" : query.reauth && session ? "reauth" : "sign-in";
  return htmlResponse(
    createElement(SignInView, {
      theme,
      serverName: config.server_name,
      carry: carriedFields(query),
      mode,
      signedInAs: session?.userId,
      passwordForm: passwordOffered(config, mode === "reauth"),
      providers: identityProviders(config).map((provider) => ({
        id: provider.id,
        name: provider.name,
        href: idpSignInPath(provider.id, query),
        iconUrl: iconUrlOf(provider.icon, config, 32),
      })),
      username: state.username ?? query.login_hint ?? (query.reauth && session ? session.userId : undefined),
      error: state.error,
    }),
    { status: state.status ?? 200 },
  );
}

function seeOther(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
  for (const cookie of cookies) headers.append("Set-Cookie", cookie);
  return new Response(null, { status: 303, headers });
}

/** GET /sign-in: the page; a browser already signed in goes straight on, unless asked to sign in again or to create an account. */
export async function showSignInPage(request: Request): Promise<Response> {
  const query = parseSignInQuery(new URL(request.url).searchParams);
  const session = await findWebSession(readCookie(request, WEB_SESSION_COOKIE));
  if (session && !query.reauth && !query.create) return seeOther(safeNextPath(query.next));
  return renderSignInPage(query, session);
}

/** POST /sign-in: the password form (`username`, `password`). */
export async function submitSignIn(request: Request): Promise<Response> {
  const config = getConfig();
  // proxy.ts refuses cross-site posts before they get here; checked again so the handler stands alone.
  if (crossSiteRequestProblem(request.headers, config.public_baseurl)) return forbiddenCrossSiteResponse();
  const form = await readFormBody(request, MAX_FORM_BYTES, () => new SsoError("bad_param", "The form is too large.", 413));
  return passwordSignIn(request, config, form, parseSignInQuery(form));
}

/** The link of an IdP button. */
export function idpSignInPath(idpId: string, query: SignInQuery): string {
  return `${SSO_START_PATH}?${new URLSearchParams({ idp: idpId, ...carriedFields(query) })}`;
}

/**
 * GET /sign-in/start?idp=…&next=…: an IdP button. Starting a sign-in changes nothing but this
 * browser's own attempt cookie, so a link will do (and a cross-site one only leads the person to
 * sign in as themselves).
 */
export async function startIdpSignIn(request: Request): Promise<Response> {
  const config = getConfig();
  const params = new URL(request.url).searchParams;
  const query = parseSignInQuery(params);
  const idpId = params.get("idp") ?? "";
  const provider = findIdentityProvider(idpId, config);
  if (!provider) throw new SsoError("unknown_idp", "That sign-in method is not offered here.", 400, SIGN_IN_PATH);
  const nonce = randomBase64Url(32);
  const sealed = await seal({ nonce, next: safeNextPath(query.next) }, config.signingSecret, SSO_ATTEMPT_PURPOSE, SSO_ATTEMPT_LIFETIME_S);
  const returnUrl = `${config.public_baseurl}${SSO_RETURN_PATH.slice(1)}?${new URLSearchParams({ attempt: nonce })}`;
  const target = `/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(provider.id)}?${new URLSearchParams({ redirectUrl: returnUrl })}`;
  return seeOther(target, [serializeCookie(SSO_ATTEMPT_COOKIE, sealed, { ...attemptCookieOptions(config), maxAgeSeconds: SSO_ATTEMPT_LIFETIME_S })]);
}

/**
 * Whether the password form is offered: when passwords log in here, and — with password_config.enabled
 * set to only_for_reauth (Synapse's: passwords confirm who you are but do not log in) — to a signed-in
 * person confirming it's them.
 */
function passwordOffered(config: HomeserverConfig, reauthOfSession: boolean): boolean {
  return passwordLoginEnabled(config) || (reauthOfSession && config.password_config.enabled === "only_for_reauth");
}

/**
 * A password that proves the signed-in person is who they are (password_config.enabled:
 * only_for_reauth): the same checks as UI auth's password stage, for the session's own account only.
 */
async function provePasswordForReauth(session: WebSession, password: string, clientIp: string, config: HomeserverConfig): Promise<string> {
  await loginLimiters(config).address.check(clientIp);
  const body = { type: "m.login.password", identifier: { type: "m.id.user", user: session.userId }, password };
  return validatePasswordSubmission(body, config);
}

/**
 * The password form. A wrong password and an unknown user get the same sentence and status, so the
 * page does not tell which accounts exist; limits (rc_login) are said with the wait.
 */
async function passwordSignIn(request: Request, config: HomeserverConfig, form: URLSearchParams, query: SignInQuery): Promise<Response> {
  const username = (form.get("username") ?? "").trim();
  const password = form.get("password") ?? "";
  const session = await findWebSession(readCookie(request, WEB_SESSION_COOKIE));
  const reauthOnly = !passwordLoginEnabled(config);
  if (reauthOnly && !(query.reauth && session && passwordOffered(config, true))) {
    return renderSignInPage(query, session, { status: 403, error: "Signing in with a password is not available here." });
  }
  if ((username === "" && !reauthOnly) || password === "") {
    return renderSignInPage(query, session, { status: 400, username, error: "Enter your username and password." });
  }
  let userId: string;
  try {
    if (reauthOnly) {
      userId = await provePasswordForReauth(session!, password, clientIpOf(request), config);
    } else {
      const proven: string | { userId: string } = await checkPasswordSignIn({ user: username, password }, clientIpOf(request), config);
      userId = typeof proven === "string" ? proven : proven.userId;
    }
  } catch (error) {
    if (!isMatrixError(error)) throw error;
    if (error.errcode === "M_LIMIT_EXCEEDED") {
      const retryMs = typeof error.extra.retry_after_ms === "number" ? error.extra.retry_after_ms : 60_000;
      const seconds = Math.max(1, Math.ceil(retryMs / 1000));
      return renderSignInPage(query, session, {
        status: 429,
        username,
        error: `Too many sign-in attempts. Wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`,
      });
    }
    if (error.errcode === "M_USER_DEACTIVATED") {
      return renderSignInPage(query, session, { status: 403, username, error: "This account has been deactivated." });
    }
    return renderSignInPage(query, session, { status: 401, username, error: "Wrong username or password." });
  }
  const { cookie } = await startWebSession(userId, "password", readCookie(request, WEB_SESSION_COOKIE), config);
  return goOn(safeNextPath(query.next), [cookie]);
}

/** After a sign-in: a redirect when `next` is the account page, else a page that continues by itself. */
function goOn(next: string, cookies: string[]): Promise<Response> | Response {
  if (staysOnOwnPages(next)) return seeOther(next, cookies);
  return continuePage(next, { title: "You are signed in", text: "Taking you back to where you were.", label: "Continue" }, cookies);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * GET /sign-in/sso?attempt=…&loginToken=…: the IdP login came back. The attempt must be this
 * browser's own (its sealed cookie), and the login token is consumed before the session exists.
 */
export async function finishSsoSignIn(request: Request): Promise<Response> {
  const config = getConfig();
  const url = new URL(request.url);
  const attempt = url.searchParams.get("attempt");
  const loginToken = url.searchParams.get("loginToken");
  const cookie = readCookie(request, SSO_ATTEMPT_COOKIE);
  const state = cookie ? await unseal(cookie, config.signingSecret, SSO_ATTEMPT_PURPOSE) : null;
  const clear = clearCookie(SSO_ATTEMPT_COOKIE, attemptCookieOptions(config));
  const refuse = (detail: string) => {
    const error = expiredLinkError(SIGN_IN_PATH, `sign-in: ${detail}`, "You were not signed in. Start again.");
    error.cookies.push(clear);
    return error;
  };
  if (!attempt || !loginToken) throw refuse("the return URL lacks its attempt or login token");
  if (!state || typeof state.nonce !== "string" || !sameSecret(state.nonce, attempt)) {
    throw refuse("the login token came back to a browser that did not start this sign-in (or its cookie expired)");
  }
  let consumed: Awaited<ReturnType<typeof consumeLoginToken>>;
  try {
    consumed = await consumeLoginToken(loginToken);
  } catch (error) {
    if (isMatrixError(error)) throw refuse("the login token is unknown, used or expired");
    throw error;
  }
  // Only an SSO login comes back here; a token minted by login/get_token names no IdP.
  if (!consumed.authProviderId) throw refuse("the login token did not come from an IdP login");
  const user = await db().user.findUnique({ where: { userId: consumed.userId }, select: { deactivated: true } });
  if (!user || user.deactivated) return accountDeactivatedResponse([["Set-Cookie", clear]]);
  const { cookie: sessionCookie } = await startWebSession(consumed.userId, consumed.authProviderId, readCookie(request, WEB_SESSION_COOKIE), config);
  const next = safeNextPath(typeof state.next === "string" ? state.next : undefined);
  // This GET may still be the tail of a form POST's redirects (the username picker, the consent page).
  return goOn(next, [sessionCookie, clear]);
}
