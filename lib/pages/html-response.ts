// HTML responses for route handlers; see ./html-renderer.ts for why rendering happens through a
// renderer registered by server.ts.
//
// Every page gets a Content-Security-Policy without 'unsafe-inline': scripts and styles come from
// this origin, and each inline <script>/<style> the page itself contains (the theme's style, or
// the inline parts of an admin's Synapse template) is allowed by the SHA-256 of its exact content.
import { createHash } from "node:crypto";
import type { ReactElement } from "react";
import { processSlot } from "../runtime/process-state";

type Renderer = (element: ReactElement) => string;
// Registered once by server.ts for every route bundle's copy of this module.
const rendererSlot = processSlot<Renderer>("html-renderer");

export function registerHtmlRenderer(renderer: Renderer): void {
  rendererSlot.set(renderer);
}

export interface HtmlInit {
  status?: number;
  headers?: HeadersInit;
  /** Extra form-action sources (the confirm form's redirect must be allowed to reach the client). */
  formActions?: string[];
  /** Who may frame the page; 'none' except for the admin's preview. */
  frameAncestors?: string;
  /** false: no script runs at all (the admin's preview shows pages without their behaviour). */
  scripts?: boolean;
}

function inlineHashes(html: string, tag: "script" | "style"): string[] {
  const pattern = new RegExp(`<${tag}(?![^>]*\\ssrc=)[^>]*>([\\s\\S]*?)</${tag}>`, "gi");
  const hashes = new Set<string>();
  for (const match of html.matchAll(pattern)) {
    if (match[1].trim() === "") continue;
    hashes.add(`'sha256-${createHash("sha256").update(match[1], "utf8").digest("base64")}'`);
  }
  return [...hashes];
}

export function contentSecurityPolicy(html: string, init: HtmlInit = {}): string {
  return [
    "default-src 'self'",
    init.scripts === false ? "script-src 'none'" : ["script-src 'self'", ...inlineHashes(html, "script")].join(" "),
    ["style-src 'self'", ...inlineHashes(html, "style")].join(" "),
    "img-src 'self' https: data:",
    "connect-src 'self'",
    `frame-ancestors ${init.frameAncestors ?? "'none'"}`,
    ["form-action 'self'", ...(init.formActions ?? [])].join(" "),
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

export function htmlDocumentResponse(html: string, init: HtmlInit = {}): Response {
  const response = new Response(html, {
    status: init.status ?? 200,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...(init.frameAncestors ? {} : { "X-Frame-Options": "DENY" }),
      "Content-Security-Policy": contentSecurityPolicy(html, init),
      // These pages' URLs and forms carry sessions and tokens: never leak them in a Referer.
      "Referrer-Policy": "no-referrer",
    },
  });
  new Headers(init.headers).forEach((value, key) => response.headers.append(key, value));
  return response;
}

export function htmlResponse(element: ReactElement, init: HtmlInit = {}): Response {
  const render = rendererSlot.get();
  if (!render) throw new Error("no HTML renderer registered: start the service through server.ts");
  return htmlDocumentResponse(render(element), init);
}
