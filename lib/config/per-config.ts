// Values derived from the homeserver config (parsed SSO sections, provider registries), built once
// per config object and dropped with it — a test or reload that swaps the config gets fresh ones.
import { getConfig } from "./load-config";
import type { HomeserverConfig } from "./schema";

export function perConfig<T>(build: (config: HomeserverConfig) => T): (config?: HomeserverConfig) => T {
  const cache = new WeakMap<HomeserverConfig, { value: T }>();
  return (config = getConfig()) => {
    let entry = cache.get(config);
    if (!entry) {
      entry = { value: build(config) };
      cache.set(config, entry);
    }
    return entry.value;
  };
}
