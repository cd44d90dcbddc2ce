// A minimal structured logger. Lines go to stderr so that CLI output on stdout stays parseable.
type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info")) as Level;
  return ORDER[configured] ?? ORDER.info;
}

function write(level: Level, message: string, error?: unknown): void {
  if (ORDER[level] < threshold()) return;
  const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error === undefined ? "" : ` ${String(error)}`;
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${detail}\n`);
}

export const logger = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string, error?: unknown) => write("warn", message, error),
  error: (message: string, error?: unknown) => write("error", message, error),
};
