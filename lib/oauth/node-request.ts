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
 * Hands an already read body to oidc-provider: it reads `req.body` when the stream was consumed
 * (its "already parsed request body" path), as a string it parses itself.
 */
export function replaceNodeBody(req: IncomingMessage, body: string): void {
  (req as IncomingMessage & { body?: string }).body = body;
  req.headers["content-length"] = String(Buffer.byteLength(body));
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
