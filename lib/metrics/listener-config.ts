// Which metrics listeners the config asks for: Synapse's `listeners` entries of `type: metrics`,
// read at start-up whether or not metrics are enabled (to warn about one that will not start). Kept
// apart from the listener itself, so that a server without metrics never loads prom-client
// (~12 MB resident; BENCHMARKS.md, "Peak RSS").
import { z } from "zod";
import { configIssues } from "../config/config-issues";
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";

const metricsListenerSchema = z.object({
  type: z.literal("metrics"),
  port: z.number({ error: "is required: the port of the metrics listener" }).int().min(0).max(65535),
  bind_addresses: z.array(z.string().min(1)).min(1).optional(),
  bind_address: z.string().min(1).optional(),
});

export interface MetricsListener {
  port: number;
  addresses: string[];
}

/**
 * The `type: metrics` entries of `listeners`, or none when `enable_metrics` is off (Synapse starts
 * no metrics listener then, and warns). Throws an Error naming the key for an invalid entry.
 */
export function metricsListenersOf(config: HomeserverConfig): MetricsListener[] {
  const listeners = (config as { listeners?: unknown }).listeners;
  if (!Array.isArray(listeners)) return [];
  const found: MetricsListener[] = [];
  listeners.forEach((entry, index) => {
    if (!entry || typeof entry !== "object" || (entry as { type?: unknown }).type !== "metrics") return;
    const parsed = metricsListenerSchema.safeParse(entry);
    if (!parsed.success) {
      const [{ key, problem }] = configIssues(parsed.error, { prefix: `listeners.${index}`, firstOnly: true });
      throw new Error(`Error in configuration at '${key}': ${problem}`);
    }
    const { port, bind_addresses, bind_address } = parsed.data;
    found.push({ port, addresses: bind_addresses ?? (bind_address ? [bind_address] : ["::", "0.0.0.0"]) });
  });
  if (found.length > 0 && !config.enable_metrics) {
    logger.warn("a listener of type metrics is configured but enable_metrics is false: not starting it");
    return [];
  }
  if (found.length === 0 && config.enable_metrics) {
    logger.warn("enable_metrics is true but no listener has type: metrics: metrics are collected but not served");
  }
  return found;
}
