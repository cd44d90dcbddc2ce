// What the access log costs per request, without HTTP around it: `npx tsx bench/access-log-overhead.ts`
// runs a loop of requests that finish 16 per turn of the event loop (as 16 clients keep a server
// busy), each logged by lib/logging/access-log.ts, with stderr a pipe (as under systemd or a
// container runtime; a file is alike: both are written synchronously by Node on Linux), and prints
// CPU µs per request for: no access log, one write per line (the old behaviour), and the batched
// writer. Each mode runs in a process of its own, twice.
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { setImmediate as nextTurn } from "node:timers/promises";
import { logRequestWhenDone } from "../lib/logging/access-log";
import { formatLogLine } from "../lib/logging/logger";

const TURNS = 20_000;
const PER_TURN = 16;

async function loop(mode: string): Promise<void> {
  const request = { method: "GET", url: "/_matrix/client/v3/login" };
  const before = process.cpuUsage();
  for (let turn = 0; turn < TURNS; turn++) {
    for (let i = 0; i < PER_TURN; i++) {
      const response = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true });
      if (mode === "batched") logRequestWhenDone(request as never, response as never, "127.0.0.1");
      if (mode === "per-line") {
        const started = performance.now();
        response.once("close", () => {
          process.stderr.write(formatLogLine("info", `access 127.0.0.1 "${request.method} ${request.url}" 200 ${(performance.now() - started).toFixed(1)}ms`));
        });
      }
      response.emit("close");
    }
    await nextTurn();
  }
  const cpu = process.cpuUsage(before);
  process.stdout.write(`access log ${mode}: ${((cpu.user + cpu.system) / (TURNS * PER_TURN)).toFixed(2)} µs CPU per request\n`);
}

const mode = process.argv[2];
if (mode) {
  void loop(mode);
} else {
  void (async () => {
    for (const run of ["off", "per-line", "batched", "off", "per-line", "batched"]) {
      // stderr is a pipe that a reader drains, as a log collector would.
      const child = spawn(process.execPath, ["--import", "tsx", __filename, run], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
      child.stderr.resume();
      child.stdout.pipe(process.stdout);
      await new Promise((resolve) => child.once("exit", resolve));
    }
  })();
}
