// What the request metrics cost per request, without HTTP or the rest of the server around them:
// `npx tsx bench/metrics-overhead.ts` runs the same loop (a request object, a response that closes,
// a little allocation as a request does) with the metrics off and on, twice each, under npm start's
// heap limits, and prints CPU µs per request. The difference is what lib/metrics/prometheus.ts adds
// (its observer and prom-client's default metrics, whose GC observer runs on every collection).
import { execFileSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { installMetrics } from "../lib/metrics/prometheus";

const N = 300_000;

function loop(mode: string): void {
  const http = mode === "on" ? installMetrics("bench", ["oidc-bench"]) : undefined;
  const allocate = () => Array.from({ length: 50 }, (_, i) => ({ i, s: "x".repeat(20) })).length;
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const response = Object.assign(new EventEmitter(), { statusCode: 200 });
    http?.observe({ method: "GET", url: "/_matrix/client/v3/login" } as never, response as never);
    allocate();
    response.emit("close");
  }
  const cpu = process.cpuUsage(before);
  process.stdout.write(`metrics ${mode}: ${((cpu.user + cpu.system) / N).toFixed(2)} µs CPU per request\n`);
}

const mode = process.argv[2];
if (mode === "on" || mode === "off") {
  loop(mode);
} else {
  // Each in a process of its own: prom-client's registry and observers cannot be removed again.
  for (const run of ["off", "on", "off", "on"]) {
    process.stdout.write(
      execFileSync(process.execPath, ["--max-old-space-size=96", "--max-semi-space-size=8", "--import", "tsx", __filename, run], { encoding: "utf8" }),
    );
  }
}
