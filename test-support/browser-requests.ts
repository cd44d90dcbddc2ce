// Requests as browsers send them, and the checks every HTML page must pass, for the browser-facing
// hardening tests (test/hardening/).
import { createHash } from "node:crypto";
import { expect } from "vitest";

/** The directives of a Content-Security-Policy header, by name. */
export function parseCsp(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? "").split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

/** Asserts the headers every HTML page must send, and that each inline script is allowed by nonce or hash. */
export async function expectHardenedPage(response: Response, { checkInlineScripts = true } = {}): Promise<string> {
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = parseCsp(response.headers.get("content-security-policy"));
  const scripts = csp.get("script-src") ?? csp.get("default-src");
  expect(scripts, "script-src").toBeDefined();
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(scripts).not.toContain("*");
  expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
  expect(csp.get("object-src")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'none'"]);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");

  const html = await response.text();
  if (!checkInlineScripts) return html;
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes, content] = match;
    if (/\ssrc=/i.test(attributes)) {
      // External scripts: from our origin (relative), or carrying the nonce under 'strict-dynamic'.
      const src = /\ssrc="([^"]*)"/i.exec(attributes)?.[1] ?? "";
      expect(src.startsWith("/") && !src.startsWith("//"), `script src ${src}`).toBe(true);
      continue;
    }
    if (content.trim() === "") continue;
    const nonce = /\snonce="([^"]*)"/i.exec(attributes)?.[1];
    const hash = `'sha256-${createHash("sha256").update(content, "utf8").digest("base64")}'`;
    const allowed = (nonce !== undefined && scripts!.includes(`'nonce-${nonce}'`)) || scripts!.includes(hash);
    expect(allowed, `inline script ${content.slice(0, 60)}… is allowed by nonce or hash`).toBe(true);
  }
  return html;
}

/** A form POST with the browser's cookies and the given Origin / Sec-Fetch-* headers. */
function browserFormPost(url: string, cookies: Map<string, string>, body: string, site: { origin: string; fetchSite: string }) {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      Origin: site.origin,
      // An older browser sends no Sec-Fetch-* headers at all.
      ...(site.fetchSite ? { "Sec-Fetch-Site": site.fetchSite, "Sec-Fetch-Mode": "navigate" } : {}),
    },
    body,
  });
}

/** A POST as a browser on another site would send it, with the victim's cookies. */
export const forgedPost = browserFormPost;

/** The same POST from our own page, as Chromium sends it (Origin is null under Referrer-Policy: no-referrer). */
export function ownPost(url: string, cookies: Map<string, string>, body: string) {
  return browserFormPost(url, cookies, body, { origin: "null", fetchSite: "same-origin" });
}
