// The browser's side of an OAuth 2.0 login in HTTP tests, without any client library (so that the
// tests of matrix-js-sdk 37 and of its current major version, which refuse to share a process,
// can both use it): a signed-in browser, and the authorization round trip through the interaction
// and consent pages.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { HomeserverConfig } from "../../lib/config/schema";
import { startWebSession } from "../../lib/web-session";
import { CookieClient } from "../../test-support/cookie-client";

export const REDIRECT_URI = "http://127.0.0.1:9/callback";

/** A browser signed in to the homeserver as `userId` (the cookie /sign-in would have set). */
export async function signedInBrowser(userId: string, config?: HomeserverConfig): Promise<CookieClient> {
  const browser = new CookieClient();
  const { cookie } = await startWebSession(userId, "password", null, config);
  const [pair] = cookie.split(";");
  const index = pair.indexOf("=");
  browser.cookies.set(pair.slice(0, index), pair.slice(index + 1));
  return browser;
}

export function newDeviceId(): string {
  return `DEV${randomBytes(8).toString("hex").toUpperCase()}`;
}

export function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/** Follows the authorization request through the interaction to the redirect; returns where it ended. */
export async function authorize(browser: CookieClient, authorizationUrl: string, { decision = "allow" as "allow" | "deny" | null } = {}) {
  const origin = new URL(authorizationUrl).origin;
  let response = await browser.get(authorizationUrl);
  let consentShown = false;
  for (let hop = 0; hop < 10; hop++) {
    if (response.status === 200 && decision !== null) {
      const html = await response.text();
      expect(html).toContain("full access to your account on this device");
      consentShown = true;
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(html);
      response = await browser.postForm(`${origin}${action.replace(/&amp;/g, "&")}`, { decision });
      continue;
    }
    if (response.status !== 303 && response.status !== 302) return { response, location: null, consentShown };
    const location = response.headers.get("location")!;
    const next = new URL(location, origin);
    if (next.origin !== origin) return { response, location: next, consentShown };
    if (next.pathname === "/sign-in") return { response, location: next, consentShown };
    response = await browser.get(next.href);
  }
  throw new Error("too many redirects");
}

