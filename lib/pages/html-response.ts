// HTML responses for route handlers; see ./html-renderer.ts for why rendering happens through a
// renderer registered by server.ts.
import type { ReactElement } from "react";

type Renderer = (element: ReactElement) => string;
const holder = globalThis as unknown as { __htmlRenderer?: Renderer };

export function registerHtmlRenderer(renderer: Renderer): void {
  holder.__htmlRenderer = renderer;
}

export function htmlResponse(
  element: ReactElement,
  { status = 200, headers = {} }: { status?: number; headers?: HeadersInit } = {},
): Response {
  if (!holder.__htmlRenderer) throw new Error("no HTML renderer registered: start the service through server.ts");
  const response = new Response(holder.__htmlRenderer(element), {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; form-action 'self' http: https:; base-uri 'none'",
      "Referrer-Policy": "no-referrer",
    },
  });
  new Headers(headers).forEach((value, key) => response.headers.append(key, value));
  return response;
}
