// Metrics at start-up, one call from server.ts per process: a process serving requests collects
// them; the process that owns the metrics listener serves them (alone, or as the primary summing
// its workers').
import type { HomeserverConfig } from "../config/schema";
import { identityProviders } from "../sso/registry";
import { metricsListenersOf } from "./listener-config";
import type { HttpMetrics } from "./prometheus";

/**
 * `role`: "process" serves requests and metrics, "worker" serves requests (its primary serves the
 * metrics), "primary" serves only the metrics of its workers. Returns the request observer for a
 * process that serves requests with metrics enabled.
 */
export async function startMetrics(config: HomeserverConfig, role: "process" | "worker" | "primary"): Promise<HttpMetrics | undefined> {
  const listeners = role === "worker" ? [] : metricsListenersOf(config);
  if (!config.enable_metrics) return undefined;
  // Loaded only now: without metrics, prom-client never is (lib/metrics/listener-config.ts).
  const { installMetrics, installPrimaryMetrics } = await import("./prometheus");
  const { startMetricsListeners } = await import("./listener");
  if (role === "primary") installPrimaryMetrics();
  const idpIds = identityProviders(config).map((idp) => idp.id);
  // The state purge runs in the process that owns the port: alone, or the primary of the workers.
  const http = role === "primary" ? undefined : installMetrics(config.server_name, idpIds, { purges: role === "process" });
  if (listeners.length > 0) await startMetricsListeners(listeners, role === "primary" ? "cluster" : "process");
  return http;
}
