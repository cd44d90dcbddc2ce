// The access log: one line per request, written when the response has been sent, with what an
// admin expects (method, path, status, duration, client address) and nothing a reader of the log
// could use to log in: the query values that carry credentials or single-use SSO secrets are
// replaced (the login token of the hand-off, the OIDC code and state, the CAS ticket, SAML messages).
//
// Lines are batched: the lines of the requests finished in one turn of the event loop go to stderr
// in one write at the end of that turn (or sooner, past BATCH_BYTES). stderr is synchronous for
// files and pipes on Linux, and a write per request cost 17–25 % of the CPU of the cheapest
// requests (BENCHMARKS.md, GET /login). Nothing is lost at exit: what is pending is written
// synchronously by the process's "exit" handler, which also runs on process.exit() (server.ts's
// SIGTERM/SIGINT shutdown) and after an uncaught exception.
import type { IncomingMessage, ServerResponse } from "node:http";
import { formatLogLine, isLevelEnabled } from "./logger";

/** Pending bytes past which the batch is written at once instead of at the end of the turn. */
const BATCH_BYTES = 16 * 1024;

let pending: string[] = [];
let pendingBytes = 0;
let flushScheduled = false;
let exitHookInstalled = false;

/** Writes every pending line now. */
export function flushAccessLog(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const chunk = pending.join("");
  pending = [];
  pendingBytes = 0;
  process.stderr.write(chunk);
}

function enqueue(line: string): void {
  if (pending.length === 0 && !exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", flushAccessLog);
  }
  pending.push(line);
  pendingBytes += line.length;
  if (pendingBytes >= BATCH_BYTES) flushAccessLog();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAccessLog);
  }
}

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
  // The account page's link attempt (/account/link?attempt=…), also inside an SSO redirect's redirectUrl.
  "attempt",
]);

/** A query value that is itself a URL carrying a secret (redirectUrl=…%3Fattempt%3D…): redacted whole. */
function carriesNestedSecret(rawValue: string): boolean {
  let value = rawValue;
  try {
    value = decodeURIComponent(rawValue.replace(/\+/g, " "));
  } catch {
    return false;
  }
  return redactRequestTarget(value) !== value;
}

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
      if (equals < 0) return pair;
      return SECRET_QUERY_PARAMS.has(name.toLowerCase()) || carriesNestedSecret(pair.slice(equals + 1)) ? `${rawName}=<redacted>` : pair;
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
  const started = performance.now();
  // "close" follows "finish" when the answer was sent, and comes alone when the client went away first.
  response.once("close", () => {
    const entry: AccessLogEntry = {
      method: request.method ?? "-",
      path: redactRequestTarget(request.url ?? "-"),
      // 499 (nginx's convention) for a client that went away before the answer was complete.
      status: response.writableFinished ? response.statusCode : 499,
      durationMs: performance.now() - started,
      clientIp,
    };
    enqueue(
      formatLogLine("info", `access ${formatAccessLine(entry)}`, undefined, {
        method: entry.method,
        path: entry.path,
        status: entry.status,
        duration_ms: Math.round(entry.durationMs * 10) / 10,
        client_ip: entry.clientIp,
      }),
    );
  });
}
