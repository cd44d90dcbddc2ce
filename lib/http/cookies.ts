// Reading and writing cookies for the browser-facing flows.

export interface CookieOptions {
  path: string;
  maxAgeSeconds?: number;
  httpOnly?: boolean;
  sameSite?: "Lax" | "Strict" | "None";
  secure?: boolean;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.httpOnly !== false) parts.push("HttpOnly");
  parts.push(`SameSite=${options.sameSite ?? "Lax"}`);
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** Removes a cookie: Max-Age=0 with the same Path it was set with (Synapse's clearing header omits the Path). */
export function clearCookie(name: string, options: CookieOptions): string {
  return serializeCookie(name, "", { ...options, maxAgeSeconds: 0 });
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The options of a cookie a browser flow sets (SSO state, the mapping session, the hand-off):
 * HttpOnly, as no script needs it; SameSite=Lax, so it is not sent on cross-site subrequests and
 * POSTs yet comes back on the top-level GET from an IdP; Secure when the service is reached over
 * https; and scoped to `path`.
 */
export function browserFlowCookieOptions(path: string, publicBaseUrl: string, maxAgeSeconds?: number): CookieOptions {
  return { path, httpOnly: true, sameSite: "Lax", secure: isSecureBaseUrl(publicBaseUrl), ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }) };
}

/** Cookies are Secure whenever the service is reached over https. */
export function isSecureBaseUrl(publicBaseUrl: string): boolean {
  return publicBaseUrl.startsWith("https:");
}
