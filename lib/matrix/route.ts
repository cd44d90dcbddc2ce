// The one wrapper every /_matrix endpoint goes through. It owns what they share: the API version
// check (r0 and v3 both answer, as in Synapse), CORS, reading and size-limiting the body, JSON
// parsing (M_NOT_JSON / M_BAD_JSON), `Cache-Control: no-store`, and the single place where errors
// become responses. Handlers get plain input and return a JSON-able object or a Response.
import { getConfig } from "../config/load-config";
import { logger } from "../logging/logger";
import { isMatrixError, isMatrixResponseError, MatrixError, unrecognized } from "./errors";
import { readBodyWithin } from "../http/body";
import { isUsernameTakenError } from "../users/errors";

export const CORS_HEADERS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "X-Requested-With, Content-Type, Authorization, Date",
};

export interface MatrixRequest {
  request: Request;
  url: URL;
  params: Record<string, string>;
  /** Reads and parses the JSON body (size-limited); endpoints that take no body never call it. */
  json: () => Promise<unknown>;
  /** The client's address as seen by this server (see server.ts for how it is established). */
  clientIp: string;
}

export type MatrixHandler = (input: MatrixRequest) => Promise<Response | object> | Response | object;

type Method = "GET" | "POST" | "PUT" | "DELETE";
const METHODS: Method[] = ["GET", "POST", "PUT", "DELETE"];

interface EndpointOptions {
  /** Allowed values of the `[version]` path segment; default r0 and v3. */
  versions?: readonly string[];
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };
type RouteHandler = (request: Request, context: RouteContext) => Promise<Response>;

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store, no-cache, must-revalidate",
      ...CORS_HEADERS,
      ...headers,
    },
  });
}

export function errorResponse(error: unknown): Response {
  // The account store's answer, as Synapse words it on the wire.
  if (isUsernameTakenError(error)) return errorResponse(new MatrixError("M_USER_IN_USE", error.message));
  // By brand, not instanceof: the error may come from another route bundle's copy of the class
  // (see lib/matrix/errors.ts), e.g. the shared database client's NUL guard.
  if (isMatrixResponseError(error)) return jsonResponse(error.body, error.status);
  if (isMatrixError(error)) {
    const headers: Record<string, string> = {};
    const retryAfterMs = error.extra.retry_after_ms;
    if (typeof retryAfterMs === "number") headers["Retry-After"] = String(Math.ceil(retryAfterMs / 1000));
    return jsonResponse(error.toJSON(), error.status, headers);
  }
  // Never echo an unexpected exception to the client: log it and answer generically.
  logger.error("unhandled error in Matrix endpoint", error);
  return jsonResponse({ errcode: "M_UNKNOWN", error: "Internal server error" }, 500);
}

export function clientIpOf(request: Request): string {
  return request.headers.get("x-matrix-client-ip") ?? "unknown";
}

async function readJsonBody(request: Request): Promise<unknown> {
  const buffer = await readBodyWithin(request, getConfig().max_request_body_size, () => new MatrixError("M_TOO_LARGE", "Request body too large"));
  if (buffer.length === 0) throw new MatrixError("M_NOT_JSON", "Content not JSON.");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buffer);
  } catch {
    throw new MatrixError("M_NOT_JSON", "Content not JSON.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MatrixError("M_NOT_JSON", "Content not JSON.");
  }
}

/** A JSON object body, or M_BAD_JSON as Synapse's parse_json_object_from_request. */
export function requireJsonObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new MatrixError("M_BAD_JSON", "Content must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

async function flattenParams(context: RouteContext | undefined): Promise<Record<string, string>> {
  const raw = (await context?.params) ?? {};
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [key, Array.isArray(value) ? value.join("/") : value]),
  );
}

/**
 * Builds the handlers for every HTTP method of one endpoint. Methods the endpoint does not serve
 * answer 405 M_UNRECOGNIZED, as Synapse does, rather than Next's empty 405.
 */
export function matrixEndpoint(
  handlers: Partial<Record<Method, MatrixHandler>>,
  options: EndpointOptions = {},
): Record<Method | "OPTIONS", RouteHandler> {
  const versions = options.versions ?? ["r0", "v3"];

  const wrap =
    (method: Method): RouteHandler =>
    async (request, context) => {
      try {
        const params = await flattenParams(context);
        if (params.version !== undefined && !versions.includes(params.version)) throw unrecognized();
        const handler = handlers[method];
        if (!handler) throw unrecognized(Object.keys(handlers).length === 0 ? 404 : 405);
        const json = () => readJsonBody(request);
        const result = await handler({ request, url: new URL(request.url), params, json, clientIp: clientIpOf(request) });
        return result instanceof Response ? result : jsonResponse(result);
      } catch (error) {
        return errorResponse(error);
      }
    };

  return {
    GET: wrap("GET"),
    POST: wrap("POST"),
    PUT: wrap("PUT"),
    DELETE: wrap("DELETE"),
    // CORS preflight: always allowed, whatever the endpoint serves.
    OPTIONS: async () => new Response(null, { status: 204, headers: CORS_HEADERS }),
  };
}
