// Signing in to the admin console over HTTP, through next-auth's own endpoints, as its sign-in form does.
import { CookieClient } from "./cookie-client";

/**
 * A password sign-in (next-auth's credentials callback, with its CSRF token). `address` is sent as
 * X-Forwarded-For, for servers that trust it. The browser holds the session cookie if it succeeded.
 */
export async function signInToConsole(
  base: string,
  username: string,
  password: string,
  address?: string,
): Promise<{ browser: CookieClient; response: Response }> {
  const browser = new CookieClient();
  const forwarded: Record<string, string> = address ? { "X-Forwarded-For": address } : {};
  const { csrfToken } = (await (await browser.get(`${base}/api/auth/csrf`, forwarded)).json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/password`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "Sec-Fetch-Site": "same-origin",
      Cookie: cookieHeaderOf(browser),
      ...forwarded,
    },
    body: new URLSearchParams({ csrfToken, username, password, json: "true" }).toString(),
  });
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const index = pair.indexOf("=");
    if (pair.slice(index + 1)) browser.cookies.set(pair.slice(0, index), pair.slice(index + 1));
  }
  return { browser, response };
}

export const isSignedInToConsole = (browser: CookieClient) => [...browser.cookies.keys()].some((name) => name.endsWith("next-auth.session-token"));

export const cookieHeaderOf = (browser: CookieClient) => [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
