// GET /.well-known/matrix/client – client discovery (spec: "Well-known URI"): Element and
// matrix-js-sdk find the homeserver's base URL here from the server name alone. Built as Synapse's
// WellKnownBuilder (synapse/rest/well_known.py): served only with `serve_client_wellknown`, with
// `extra_well_known_client_content` merged in without overriding the keys it sets itself.
import { getConfig } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { MatrixError } from "./errors";

export function clientWellKnownOf(config: HomeserverConfig): Record<string, unknown> | null {
  if (!config.serve_client_wellknown) return null;
  const result: Record<string, unknown> = { "m.homeserver": { base_url: config.public_baseurl } };
  for (const [key, value] of Object.entries(config.extra_well_known_client_content ?? {})) {
    if (!(key in result)) result[key] = value;
  }
  return result;
}

export function getClientWellKnown(): Record<string, unknown> {
  const wellKnown = clientWellKnownOf(getConfig());
  if (!wellKnown) throw new MatrixError("M_NOT_FOUND", ".well-known not available");
  return wellKnown;
}
