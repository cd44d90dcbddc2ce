// Signing out of the admin console with a plain form POST, so the button works before (and
// without) JavaScript: next-auth's own signOut() is a client call that is lost when pressed before
// hydration. Sessions are JWTs in next-auth's session cookie (auth-options.ts), so ending one is
// expiring that cookie. Cross-site posts never get here: proxy.ts refuses them first.
import { getConfig } from "../config/load-config";
import { serializeCookie } from "../http/cookies";
import { ADMIN_SIGN_IN_PATH } from "./auth-options";

/** next-auth's session cookie: `__Secure-` on https, split into `.0`, `.1`… when the JWT is large. */
const SESSION_COOKIE = /^(?:__Secure-)?next-auth\.session-token(?:\.\d+)?$/;

function cookieNames(request: Request): string[] {
  return (request.headers.get("cookie") ?? "")
    .split(";")
    .map((part) => part.slice(0, part.indexOf("=")).trim())
    .filter(Boolean);
}

/** POST /admin/sign-out → 303 to the sign-in page, with the session cookie expired. */
export function signOutOfConsole(request: Request): Response {
  const headers = new Headers({ Location: `${getConfig().public_baseurl}${ADMIN_SIGN_IN_PATH.slice(1)}`, "Cache-Control": "no-store" });
  for (const name of cookieNames(request)) {
    if (!SESSION_COOKIE.test(name)) continue;
    headers.append("Set-Cookie", serializeCookie(name, "", { path: "/", maxAgeSeconds: 0, secure: name.startsWith("__Secure-") }));
  }
  return new Response(null, { status: 303, headers });
}
