// Load generation: a fixed-duration HTTP load with autocannon (one request shape, optionally varied
// per request), and a closed loop of async iterations for multi-request flows (the SSO round trip).
// Both are bounded in time and in count, and measure the same things: completed requests per
// second, latency percentiles from every response, and errors (any status other than the expected
// one, connection errors, timeouts).
import autocannon from "autocannon";

export interface LoadResult {
  connections: number;
  /** Seconds actually measured. */
  seconds: number;
  /** Responses received (of any status). */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Unexpected statuses + connection errors + timeouts (+ failed iterations for loops). */
  errors: number;
  /** Count per HTTP status ("conn-error" / "timeout" / "failed" for the rest). */
  statuses: Record<string, number>;
  /** The first failure, to say what went wrong. */
  firstError?: string;
}

/** Nearest-rank percentile of the first `count` values (sorted in place). */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summarise(
  latencies: Float64Array,
  count: number,
  seconds: number,
  connections: number,
  errors: number,
  statuses: Record<string, number>,
  firstError?: string,
): LoadResult {
  const sorted = latencies.slice(0, count).sort();
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    connections,
    seconds: round(seconds),
    requests: count,
    requestsPerSecond: round(count / seconds),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    errors,
    statuses,
    ...(firstError ? { firstError } : {}),
  };
}

export interface HttpLoad {
  /** Full URL of the first request (origin and path). */
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Called before each request to vary it (e.g. a fresh login token each time). */
  vary?: () => { path?: string; body?: string; headers?: Record<string, string> };
  expectedStatus: number;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests even if the duration has not passed. */
  maxRequests: number;
  timeoutSeconds?: number;
}

export function runHttpLoad(load: HttpLoad): Promise<LoadResult> {
  const latencies = new Float64Array(load.maxRequests + load.connections);
  const statuses: Record<string, number> = {};
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const vary = load.vary;
  const started = process.hrtime.bigint();

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: load.method ?? "GET",
        headers: load.headers,
        body: load.body,
        connections: load.connections,
        duration: load.durationSeconds,
        maxOverallRequests: load.maxRequests,
        timeout: load.timeoutSeconds ?? 10,
        ...(vary ? { requests: [{ setupRequest: (request) => ({ ...request, ...vary() }) }] } : {}),
      },
      (error) => {
        if (error) {
          reject(error);
          return;
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        resolve(summarise(latencies, count, seconds, load.connections, errors, statuses, firstError));
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (count < latencies.length) latencies[count++] = responseTime;
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode !== load.expectedStatus) {
        errors += 1;
        firstError ??= `status ${statusCode}`;
      }
    });
    instance.on("reqError", (error: Error) => {
      errors += 1;
      const kind = /timed out/.test(error.message) ? "timeout" : "conn-error";
      statuses[kind] = (statuses[kind] ?? 0) + 1;
      firstError ??= error.message;
    });
  });
}

export interface LoopLoad {
  concurrency: number;
  durationSeconds: number;
  maxIterations: number;
  /** One iteration (e.g. a whole SSO round trip); throws on failure. */
  iteration: (worker: number) => Promise<void>;
  timeoutSeconds?: number;
}

/** `concurrency` workers each run iterations back to back until the time or the count runs out. */
export async function runLoop(load: LoopLoad): Promise<LoadResult> {
  const latencies = new Float64Array(load.maxIterations);
  const statuses: Record<string, number> = {};
  const timeoutMs = (load.timeoutSeconds ?? 30) * 1000;
  let started = 0;
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const deadline = begin + load.durationSeconds * 1000;

  const worker = async (index: number) => {
    while (performance.now() < deadline && started < load.maxIterations) {
      started += 1;
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          load.iteration(index),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`iteration timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        statuses.ok = (statuses.ok ?? 0) + 1;
      } catch (error) {
        errors += 1;
        statuses.failed = (statuses.failed ?? 0) + 1;
        firstError ??= (error as Error).message;
      } finally {
        clearTimeout(timer);
      }
      latencies[count++] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, (_, index) => worker(index)));
  const seconds = (performance.now() - begin) / 1000;
  return summarise(latencies, count, seconds, load.concurrency, errors, statuses, firstError);
}
