// The metrics listener: Synapse's `listeners` entry of `type: metrics` (with `enable_metrics:
// true`) serves the Prometheus text format on its own port and addresses, never on the client
// port, so the metrics can be kept off the public reverse proxy. As in Synapse, the listener's
// `bind_addresses` default to every interface ("::" and "0.0.0.0"): bind it to 127.0.0.1 or a
// private address, or firewall the port (README, "Running it in production").
//
// With worker_processes > 1 the listener runs in the primary process, which serves no requests
// itself: each scrape asks every worker for its metrics over node:cluster's IPC channel and
// answers their sum (prom-client's AggregatorRegistry), so counters cover the whole server.
import { createServer, type Server } from "node:http";
import { AggregatorRegistry } from "prom-client";
import { logger } from "../logging/logger";
import type { MetricsListener } from "./listener-config";
import { METRICS_CONTENT_TYPE, processMetricsText } from "./prometheus";

/** Where Synapse serves metrics; `/metrics` too, Prometheus's default `metrics_path`. */
const METRICS_PATHS = new Set(["/_synapse/metrics", "/_synapse/metrics/", "/metrics"]);

/**
 * Starts the metrics listeners. `source` is "process" when this process serves requests itself,
 * "cluster" in the primary of worker processes. Resolves with the servers once all listen.
 */
export async function startMetricsListeners(listeners: MetricsListener[], source: "process" | "cluster"): Promise<Server[]> {
  const aggregator = source === "cluster" ? new AggregatorRegistry() : undefined;
  // The primary adds its own (the state purge's counter, lib/metrics/prometheus.ts) to the workers' sum.
  const collect = aggregator
    ? async () => {
        const workers = await aggregator.clusterMetrics();
        return `${workers}${workers === "" || workers.endsWith("\n") ? "" : "\n"}${await processMetricsText()}`;
      }
    : processMetricsText;
  const servers: Server[] = [];
  for (const { port, addresses } of listeners) {
    let listeningOnAllIpv6 = false;
    for (const address of addresses) {
      const server = createServer((request, response) => {
        const path = (request.url ?? "/").split("?", 1)[0];
        if (!METRICS_PATHS.has(path) || (request.method !== "GET" && request.method !== "HEAD")) {
          response.writeHead(404, { "Content-Type": "text/plain" }).end("Not found\n");
          return;
        }
        collect().then(
          (text) => response.writeHead(200, { "Content-Type": METRICS_CONTENT_TYPE }).end(request.method === "HEAD" ? undefined : text),
          (error: unknown) => {
            logger.error("metrics: collecting failed", error);
            response.writeHead(500, { "Content-Type": "text/plain" }).end("Collecting metrics failed\n");
          },
        );
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, address, () => resolve());
        });
      } catch (error) {
        // "::" usually accepts IPv4 too, so "0.0.0.0" on the same port is then taken: Synapse
        // carries on in that case as well.
        if (address === "0.0.0.0" && listeningOnAllIpv6 && (error as NodeJS.ErrnoException).code === "EADDRINUSE") continue;
        throw error;
      }
      if (address === "::") listeningOnAllIpv6 = true;
      const bound = server.address();
      const shown = bound && typeof bound === "object" ? `${bound.address.includes(":") ? `[${bound.address}]` : bound.address}:${bound.port}` : `${address}:${port}`;
      logger.info(`metrics listener on http://${shown}/_synapse/metrics`);
      servers.push(server);
    }
  }
  return servers;
}
