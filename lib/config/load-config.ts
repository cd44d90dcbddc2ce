// Reads homeserver.yaml (HOMESERVER_CONFIG, default ./homeserver.yaml), validates it, and keeps
// the result for the life of the process. An invalid file stops start-up with a message naming
// the key, the value found and what was expected.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { logger } from "../logging/logger";
import { withGeneratedSecrets } from "./secrets";
import { homeserverConfigSchema, KNOWN_TOP_LEVEL_KEYS, type HomeserverConfig } from "./schema";
import { processSlot } from "../runtime/process-state";
import { configIssueLines } from "./config-issues";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function configPath(): string {
  return path.resolve(/* turbopackIgnore: true */ process.env.HOMESERVER_CONFIG ?? "./homeserver.yaml");
}

function formatIssues(error: z.ZodError, raw: unknown, file: string): string {
  return `Invalid homeserver config ${file}:\n  ${configIssueLines(error, { found: raw }).join("\n  ")}`;
}

/** Validates an already-parsed config object. `file` is used in messages and to resolve relative paths. */
export function parseHomeserverConfig(raw: unknown, file = configPath()): HomeserverConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`Invalid homeserver config ${file}: expected a YAML mapping of keys to values`);
  }
  const result = homeserverConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error, raw, file));
  const parsed = result.data;

  const ignored = Object.keys(raw).filter((key) => !KNOWN_TOP_LEVEL_KEYS.has(key));
  if (ignored.length > 0) {
    logger.info(`config: these Synapse settings are accepted but not used by this service: ${ignored.join(", ")}`);
  }

  let signingSecret = parsed.macaroon_secret_key ?? parsed.form_secret;
  if (!signingSecret) {
    logger.warn(
      "config: neither macaroon_secret_key nor form_secret is set; using a random secret for this process. " +
        "SSO logins in flight will fail after a restart, and several instances cannot share logins: set one.",
    );
    signingSecret = randomBytes(32).toString("base64url");
  }

  return {
    ...parsed,
    public_baseurl: parsed.public_baseurl ?? `https://${parsed.server_name}/`,
    signingSecret,
    configDir: path.dirname(file),
  };
}

export interface LoadConfigOptions {
  /**
   * Demo and development runs: fill in missing or sample homeserver secrets from this file,
   * generating them on first use (lib/config/secrets.ts).
   */
  generatedSecretsFile?: string;
}

export function loadConfigFile(file = configPath(), options: LoadConfigOptions = {}): HomeserverConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read homeserver config ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`Homeserver config ${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (options.generatedSecretsFile && raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    raw = withGeneratedSecrets(raw as Record<string, unknown>, options.generatedSecretsFile);
  }
  return parseHomeserverConfig(raw, file);
}

// One config per process, whichever bundle asks (lib/runtime/process-state.ts).
const configSlot = processSlot<HomeserverConfig>("config");

export function getConfig(): HomeserverConfig {
  return configSlot.getOrCreate(() => loadConfigFile());
}

/** For tests and the CLI: replace the process-wide config. */
export function setConfig(config: HomeserverConfig | undefined): void {
  configSlot.set(config);
}
