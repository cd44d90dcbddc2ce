// Small helpers for the OAuth 2.0 endpoints, which run on Node's request and response objects
// (oidc-provider is a Koa application) rather than fetch-style route handlers.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Reads a request body of at most `limit` bytes, or null when it is larger. */
export async function readNodeBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Hands an already read body back to oidc-provider, which reads the request stream itself: the
 * request is made readable again with an iterator over that body (the only way its body parser
 * reads a stream), so it parses it as if it came from the socket.
 */
export function replaceNodeBody(req: IncomingMessage, body: string): void {
  const bytes = Buffer.from(body, "utf8");
  req.headers["content-length"] = String(bytes.length);
  Object.defineProperty(req, "readable", { value: true, configurable: true });
  Object.defineProperty(req, "iterator", {
    configurable: true,
    value: async function* replay() {
      yield bytes;
    },
  });
}

/** The request's headers as a fetch Request (no body), for the cookie and CSRF helpers of lib/. */
export function headersOnlyRequest(req: IncomingMessage, publicBaseUrl: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return new Request(new URL(req.url ?? "/", publicBaseUrl), { headers });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}
