// The demo OpenID Provider (lib/demo-idp/provider.ts, a real `oidc-provider`) for tests, and
// `loginWithFetch`: its login form driven without a browser.
export { startOidcProvider } from "../lib/demo-idp/provider";
export type { DemoAccount, OidcClientRegistration, RunningOidcProvider, StartOidcProviderOptions } from "../lib/demo-idp/types";

// Logging in without a browser

/** Cookies by name, for one origin (paths are ignored: everything is sent everywhere on it). */
export type FetchCookieJar = Map<string, string>;

function storeCookies(jar: FetchCookieJar, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let expired = value === "";
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split("=");
      const attrName = key.trim().toLowerCase();
      const attrValue = rest.join("=").trim();
      if (attrName === "max-age" && Number(attrValue) <= 0) expired = true;
      if (attrName === "expires" && Date.parse(attrValue) <= Date.now()) expired = true;
    }
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader(jar: FetchCookieJar): string | undefined {
  if (jar.size === 0) return undefined;
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? "");
}

/** The first form with a password field: its action and its other inputs' values. */
function parseLoginForm(html: string): { action: string | undefined; fields: Map<string, string> } | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!formMatch || !/type\s*=\s*["']?password/i.test(formMatch[1])) return undefined;
  const formTag = /<form\b[^>]*>/i.exec(formMatch[0])![0];
  const fields = new Map<string, string>();
  for (const input of formMatch[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, "name");
    if (name) fields.set(name, attribute(input, "value") ?? "");
  }
  return { action: attribute(formTag, "action"), fields };
}

function pageError(html: string): string | undefined {
  const match = /<p[^>]*class="error"[^>]*>([\s\S]*?)<\/p>/i.exec(html);
  return match ? decodeEntities(match[1].replace(/<[^>]*>/g, "").trim()) : undefined;
}

/**
 * Drives the provider like a browser would: GETs `authorizationUrl`, follows redirects by hand with a
 * cookie jar, fills the login form ("username"/"password") when it appears, and returns the first
 * redirect that leaves the provider's origin (normally the client's redirect_uri with code & state,
 * or with error=... if the request was refused). Throws if the password is rejected (message contains
 * "Invalid username or password") or the provider answers with anything else.
 *
 * Pass the same `cookies` jar to a later call to reuse the provider's session (no form the second time).
 */
export async function loginWithFetch(
  authorizationUrl: string,
  username: string,
  password: string,
  options: { cookies?: FetchCookieJar; maxSteps?: number } = {},
): Promise<string> {
  const origin = new URL(authorizationUrl).origin;
  const jar = options.cookies ?? new Map<string, string>();
  let url = authorizationUrl;
  let method: "GET" | "POST" = "GET";
  let body: string | undefined;
  let submitted = false;

  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    const headers: Record<string, string> = { accept: "text/html" };
    const cookie = cookieHeader(jar);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(url, { method, headers, body, redirect: "manual" });
    storeCookies(jar, response);

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new Error(`redirect without Location from ${method} ${url}`);
      const next = new URL(location, url);
      if (next.origin !== origin) return next.href;
      url = next.href;
      method = "GET";
      body = undefined;
      continue;
    }

    const text = await response.text();
    const form = response.ok ? parseLoginForm(text) : undefined;
    if (!form) {
      throw new Error(`unexpected ${response.status} from ${method} ${url}: ${text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 500)}`);
    }
    if (submitted) {
      throw new Error(`login as ${username} failed: ${pageError(text) ?? "the login form was shown again"}`);
    }
    form.fields.set("username", username);
    form.fields.set("password", password);
    url = new URL(form.action || url, url).href;
    method = "POST";
    body = new URLSearchParams([...form.fields]).toString();
    submitted = true;
  }
  throw new Error(`too many steps following ${authorizationUrl}`);
}
