// A minimal structured logger. Lines go to stderr so that CLI output on stdout stays parseable.
// `log_format: json` (homeserver.yaml) writes one JSON object per line instead, for log shippers.
import { processSlot } from "../runtime/process-state";

type Level = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// A process slot, not a module variable: the route bundles have their own copies of this module,
// and server.ts sets the format once for all of them.
const formatSlot = processSlot<LogFormat>("log-format");

export function setLogFormat(format: LogFormat): void {
  formatSlot.set(format);
}

function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info")) as Level;
  return ORDER[configured] ?? ORDER.info;
}

export function isLevelEnabled(level: Level): boolean {
  return ORDER[level] >= threshold();
}

/** One log line in the configured format, newline included (for writers that batch lines: the access log). */
export function formatLogLine(level: Level, message: string, error?: unknown, fields?: Record<string, unknown>): string {
  const time = new Date().toISOString();
  if (formatSlot.get() === "json") {
    const detail = error instanceof Error ? { error: error.stack ?? error.message } : error === undefined ? {} : { error: String(error) };
    return `${JSON.stringify({ time, level, msg: message, ...fields, ...detail })}\n`;
  }
  const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error === undefined ? "" : ` ${String(error)}`;
  return `${time} ${level.toUpperCase()} ${message}${detail}\n`;
}

function write(level: Level, message: string, error?: unknown, fields?: Record<string, unknown>): void {
  if (!isLevelEnabled(level)) return;
  process.stderr.write(formatLogLine(level, message, error, fields));
}

export const logger = {
  debug: (message: string) => write("debug", message),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, undefined, fields),
  warn: (message: string, error?: unknown) => write("warn", message, error),
  error: (message: string, error?: unknown) => write("error", message, error),
};
