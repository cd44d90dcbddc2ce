// The browser session of this service's own pages: a person who signed in at /sign-in (password or
// an upstream IdP) is recognised by the account page and by the OAuth authorization endpoint. It is
// not a Matrix login: no device, no access token.
//
// The cookie holds a random secret (32 bytes); the database keeps its SHA-256 only, so a copy of
// the table signs nobody in. HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
// POSTs or sub-requests, still sent when an IdP or a client navigates the browser back here), Secure
// when public_baseurl is https. The session ends at a fixed time (web_sessions.lifetime): use does
// not extend it.
import { randomUUID } from "node:crypto";
import { hashSecret } from "../auth/secrets";
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { randomBase64Url } from "../crypto/random-pool";
import { db } from "../db/client";
import { clearCookie, isSecureBaseUrl, readCookie, serializeCookie, type CookieOptions } from "../http/cookies";

export type WebSession = {
  id: string;
  userId: string;
  authenticatedAt: Date;
  /** "password" or the ID of the IdP the person signed in with. */
  method: string;
};

export const WEB_SESSION_COOKIE = "web_session";
export const SIGN_IN_PATH = "/sign-in";
/** Where a sign-in goes when it was given nowhere (or somewhere not on this site). */
export const DEFAULT_AFTER_SIGN_IN = "/account";

function sessionCookieOptions(config: HomeserverConfig = getConfig()): CookieOptions {
  return { path: "/", httpOnly: true, sameSite: "Lax", secure: isSecureBaseUrl(config.public_baseurl) };
}

/** The session a cookie value stands for, or null when it is unknown, expired, or its account was deactivated. */
export async function findWebSession(secret: string | undefined | null, now = new Date()): Promise<WebSession | null> {
  if (!secret) return null;
  const row = await db().webSession.findUnique({
    where: { secretHash: hashSecret(secret) },
    select: { id: true, userId: true, authenticatedAt: true, method: true, expiresAt: true, user: { select: { deactivated: true } } },
  });
  if (!row || row.expiresAt.getTime() <= now.getTime() || row.user.deactivated) return null;
  return { id: row.id, userId: row.userId, authenticatedAt: row.authenticatedAt, method: row.method };
}

/** The browser's session, from a route handler's request. (Server components: ./server-component.ts.) */
export function readWebSession(request: Request): Promise<WebSession | null> {
  return findWebSession(readCookie(request, WEB_SESSION_COOKIE));
}

/**
 * After a successful sign-in: the browser's session now belongs to `userId`, proven just now by
 * `method`. The same person signing in again (a re-authentication) keeps their session and only
 * moves authenticatedAt; anyone else gets a new session and the old one is ended, so nothing of one
 * person's session is carried over to another's. Returns the Set-Cookie value.
 */
export async function startWebSession(
  userId: string,
  method: string,
  previousSecret: string | undefined | null,
  config: HomeserverConfig = getConfig(),
): Promise<{ session: WebSession; cookie: string }> {
  const webSessions = config.web_sessions;
  const now = new Date();
  const previous = await findWebSession(previousSecret, now);
  // A fresh secret either way: a sign-in never keeps a cookie value that existed before it.
  const secret = randomBase64Url(32);
  const expiresAt = new Date(now.getTime() + webSessions.lifetime);
  let session: WebSession;
  if (previous && previous.userId === userId) {
    await db().webSession.update({
      where: { id: previous.id },
      data: { secretHash: hashSecret(secret), authenticatedAt: now, method, expiresAt },
    });
    session = { ...previous, authenticatedAt: now, method };
  } else {
    if (previous) await db().webSession.deleteMany({ where: { id: previous.id } });
    const id = randomUUID();
    await db().webSession.create({ data: { id, secretHash: hashSecret(secret), userId, method, authenticatedAt: now, expiresAt } });
    session = { id, userId, authenticatedAt: now, method };
  }
  const cookie = serializeCookie(WEB_SESSION_COOKIE, secret, { ...sessionCookieOptions(config), maxAgeSeconds: webSessions.lifetime / 1000 });
  return { session, cookie };
}

/** Signs the browser out: the session row is deleted; returns the Set-Cookie value that clears the cookie. */
export async function endWebSession(request: Request): Promise<string> {
  const secret = readCookie(request, WEB_SESSION_COOKIE);
  if (secret) await db().webSession.deleteMany({ where: { secretHash: hashSecret(secret) } });
  return clearCookie(WEB_SESSION_COOKIE, sessionCookieOptions());
}

/** Ends every browser session of a user (deactivation, "sign out everywhere" by an admin). */
export async function endWebSessionsOf(userId: string): Promise<number> {
  const { count } = await db().webSession.deleteMany({ where: { userId } });
  return count;
}

/** Whether the person proved who they are recently enough for a sensitive action (web_sessions.reauthentication_window). */
export function isRecentlyAuthenticated(session: WebSession, now = Date.now(), config: HomeserverConfig = getConfig()): boolean {
  return now - session.authenticatedAt.getTime() <= config.web_sessions.reauthentication_window;
}

/**
 * A place on this site to go after signing in: a path starting with a single "/" (not "//", which
 * a browser reads as another host, nor "/\", which some read the same way), without control
 * characters. Anything else, including absolute URLs to this very host, becomes DEFAULT_AFTER_SIGN_IN:
 * the sign-in page never sends anyone off-site.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || next.length > 2048) return DEFAULT_AFTER_SIGN_IN;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return DEFAULT_AFTER_SIGN_IN;
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return DEFAULT_AFTER_SIGN_IN;
  // Resolve against a dummy origin: what comes out must still be on that origin.
  const resolved = new URL(next, "http://same.invalid");
  if (resolved.origin !== "http://same.invalid") return DEFAULT_AFTER_SIGN_IN;
  // Dot segments collapse only now ("/.//evil.example" and "/%2e//evil.example" resolve to the path
  // "//evil.example"), so the result is checked again: a Location of "//host" leaves the site.
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  if (path.startsWith("//") || path.startsWith("/\\")) return DEFAULT_AFTER_SIGN_IN;
  return path;
}

export interface SignInOptions {
  /** OAuth prompt=create: the page leads to creating an account. */
  create?: boolean;
  /** A username to fill in (OAuth login_hint). */
  loginHint?: string;
  /** Ask again even if the browser is signed in (OAuth prompt=login, the account page's sensitive actions). */
  reauth?: boolean;
}

/** The same-origin path of the sign-in page that ends at `next`. */
export function signInPath(next: string, options: SignInOptions = {}): string {
  const query = new URLSearchParams({ next: safeNextPath(next) });
  if (options.create) query.set("create", "1");
  if (options.reauth) query.set("reauth", "1");
  if (options.loginHint) query.set("login_hint", options.loginHint);
  return `${SIGN_IN_PATH}?${query}`;
}

/**
 * Whether a redirect from a form POST to `next` ends on this site (the account page): then a plain
 * 303 will do. Anything else (an OAuth authorization step, which may send the browser on to a
 * client) gets a page that continues by itself, see continuePage in ./sign-in.ts.
 */
export function staysOnOwnPages(next: string): boolean {
  return next === DEFAULT_AFTER_SIGN_IN || next.startsWith(`${DEFAULT_AFTER_SIGN_IN}?`) || next.startsWith(`${DEFAULT_AFTER_SIGN_IN}/`);
}
