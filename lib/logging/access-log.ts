// The access log: one line per request, written when the response has been sent, with what an
// admin expects (method, path, status, duration, client address) and nothing a reader of the log
// could use to log in: the query values that carry credentials or single-use SSO secrets are
// replaced (the login token of the hand-off, the OIDC code and state, the CAS ticket, SAML messages).
import type { IncomingMessage, ServerResponse } from "node:http";
import { isLevelEnabled, logger } from "./logger";

const SECRET_QUERY_PARAMS = new Set([
  "logintoken",
  "login_token",
  "token",
  "access_token",
  "code",
  "state",
  "ticket",
  "samlresponse",
  "samlrequest",
  "relaystate",
  "session",
  "password",
]);

/** The request target with every secret query value replaced by `<redacted>` (names kept). */
export function redactRequestTarget(target: string): string {
  const index = target.indexOf("?");
  if (index < 0) return target;
  const path = target.slice(0, index);
  const pairs = target
    .slice(index + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        // A malformed escape: judge the name as it was sent.
      }
      return equals >= 0 && SECRET_QUERY_PARAMS.has(name.toLowerCase()) ? `${rawName}=<redacted>` : pair;
    });
  return `${path}?${pairs.join("&")}`;
}

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  clientIp: string;
}

export function formatAccessLine(entry: AccessLogEntry): string {
  return `${entry.clientIp} "${entry.method} ${entry.path}" ${entry.status} ${entry.durationMs.toFixed(1)}ms`;
}

/** Logs the request once its response is finished (or the connection closed before that). */
export function logRequestWhenDone(request: IncomingMessage, response: ServerResponse, clientIp: string): void {
  if (!isLevelEnabled("info")) return;
  const started = process.hrtime.bigint();
  let logged = false;
  const done = () => {
    if (logged) return;
    logged = true;
    const entry: AccessLogEntry = {
      method: request.method ?? "-",
      path: redactRequestTarget(request.url ?? "-"),
      // 499 (nginx's convention) for a client that went away before the answer was complete.
      status: response.writableFinished ? response.statusCode : 499,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      clientIp,
    };
    logger.info(`access ${formatAccessLine(entry)}`, {
      method: entry.method,
      path: entry.path,
      status: entry.status,
      duration_ms: Math.round(entry.durationMs * 10) / 10,
      client_ip: entry.clientIp,
    });
  };
  response.once("finish", done);
  response.once("close", done);
}
