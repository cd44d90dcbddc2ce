// Between Node's http server and the fetch-style route handlers (Request → Response), for the
// routes server.ts serves directly (lib/routing/direct-routes.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Next.js adds this to every route handler's answer (for its client router's caches); it is added
 * here too, so that caches in front of the service see the same answer by either path.
 */
const NEXT_VARY = "rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch";

/** The request as a route handler receives it from Next.js: URL from the Host header, body streamed. */
export function toWebRequest(incoming: IncomingMessage, fallbackHost: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = incoming.method ?? "GET";
  const url = `http://${incoming.headers.host ?? fallbackHost}${incoming.url ?? "/"}`;
  if (BODYLESS_METHODS.has(method)) return new Request(url, { method, headers });
  return new Request(url, {
    method,
    headers,
    body: Readable.toWeb(incoming) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
}

/** Writes a route handler's Response to Node's response (bodies here are small: read whole). */
export async function sendWebResponse(outgoing: ServerResponse, response: Response): Promise<void> {
  outgoing.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    outgoing.setHeader(name, value);
  }
  const vary = response.headers.get("vary");
  outgoing.setHeader("vary", vary ? `${vary}, ${NEXT_VARY}` : NEXT_VARY);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outgoing.setHeader("set-cookie", cookies);
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  outgoing.end(body);
}
