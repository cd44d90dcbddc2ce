// The browser session for server components and server actions, which have no Request but Next's
// cookies(). Kept apart from ./index.ts so that code outside Next (server.ts, the direct routes)
// never imports next/headers.
import { cookies } from "next/headers";
import { findWebSession, WEB_SESSION_COOKIE, type WebSession } from "./index";

export async function readWebSessionFromCookies(): Promise<WebSession | null> {
  return findWebSession((await cookies()).get(WEB_SESSION_COOKIE)?.value);
}
