// Synapse-compatible template overrides: `templates.custom_template_directory` may hold files named
// like Synapse's templates; such a file replaces the built-in page, rendered by a Jinja-compatible
// engine (nunjucks) with autoescaping and the variables Synapse passes.
// An override that fails to render is logged and the built-in page is used instead.
import { existsSync } from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";

const environments = new Map<string, nunjucks.Environment>();

export function customTemplateDirectory(config: HomeserverConfig): string | null {
  const templates = config.templates as { custom_template_directory?: unknown } | null | undefined;
  const sso = config.sso as { template_dir?: unknown } | null | undefined;
  const dir = templates?.custom_template_directory ?? sso?.template_dir;
  return typeof dir === "string" && dir !== "" ? path.resolve(config.configDir, dir) : null;
}

function environmentFor(dir: string, config: HomeserverConfig): nunjucks.Environment {
  let env = environments.get(dir);
  if (!env) {
    // Re-read on every render (noCache), as Synapse does for its per-request templates, so an admin's
    // edit shows without a restart.
    env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: true }), { autoescape: true, throwOnUndefined: false });
    env.addFilter("localpart_from_email", (value: unknown) => (typeof value === "string" ? value.slice(0, value.lastIndexOf("@")) : ""));
    env.addFilter("mxc_to_http", (value: unknown, width: number, height: number, method = "crop") => mxcToHttp(value, width, height, method, config));
    env.addFilter("format_ts", (value: unknown) => (typeof value === "number" ? new Date(value).toISOString() : ""));
    env.addGlobal("server_name", config.server_name);
    environments.set(dir, env);
  }
  return env;
}

/** Synapse's mxc_to_http filter: an mxc:// URI as a thumbnail URL on this server; "" for anything else. */
export function mxcToHttp(value: unknown, width: number, height: number, method: string, config: HomeserverConfig): string {
  if (typeof value !== "string") return "";
  const match = /^mxc:\/\/([^/]+)\/([^/#]+)(#.*)?$/.exec(value);
  if (!match) return "";
  const query = new URLSearchParams({ width: String(width), height: String(height), method });
  return `${config.public_baseurl}_matrix/media/v1/thumbnail/${match[1]}/${match[2]}?${query}${match[3] ?? ""}`;
}

/** The override's HTML, or null when there is none or it failed (then the built-in page is used). */
export function renderOverride(config: HomeserverConfig, templateName: string, variables: Record<string, unknown>): string | null {
  const dir = customTemplateDirectory(config);
  if (!dir || !existsSync(path.join(dir, templateName))) return null;
  try {
    return environmentFor(dir, config).render(templateName, variables);
  } catch (error) {
    logger.error(`custom template ${templateName} failed to render; using the built-in page`, error);
    return null;
  }
}
