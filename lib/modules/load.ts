// Loading modules: which ones the config names, checking them, constructing them once. Built-in
// modules (the Jinja OIDC mapper, the default SAML mapper) go through exactly this path; they
// differ only in being found in a table instead of imported (see node-loader.ts for the import,
// which only the start-up process does).
import { ConfigError, configPath } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { logger } from "../logging/logger";
import { ssoConfigOf } from "../sso/config";
import { JinjaOidcMappingProvider } from "../sso/mapping/jinja-oidc-mapper";
import { DefaultSamlMappingProvider } from "./builtin/default-saml-mapper";
import { createModuleApi } from "./module-api";
import { emptyRegistrations, registerLegacyProvider, type PasswordAuthRegistrations } from "./password-auth";
import { publishedModules, type LoadedModule, type LoadedModules } from "./state";
import type { LegacyPasswordProvider, ModuleConfig, OidcMappingProvider, SamlMappingProvider } from "./types";

export type ModuleKind = "oidc-mapper" | "saml-mapper" | "auth-provider" | "legacy-password-provider";

/** One module entry of the config. */
export interface ModuleSpec {
  kind: ModuleKind;
  /** As written in the config (or the built-in default's name). */
  name: string;
  config: ModuleConfig;
  /** Where in homeserver.yaml, e.g. "oidc_providers.0.user_mapping_provider" or "modules.1". */
  keyPath: string;
  /** For OIDC mappers: the identity provider's registry ID. */
  idpId?: string;
}

export const DEFAULT_OIDC_MAPPER = "synapse.handlers.oidc.JinjaOidcMappingProvider";
export const DEFAULT_SAML_MAPPER = "synapse.handlers.saml.DefaultSamlMappingProvider";

/** Built-in modules by the names Synapse gives them (the legacy `…_handler` names included). */
const BUILTIN_MODULES: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  [DEFAULT_OIDC_MAPPER, JinjaOidcMappingProvider],
  ["synapse.handlers.oidc_handler.JinjaOidcMappingProvider", JinjaOidcMappingProvider],
  [DEFAULT_SAML_MAPPER, DefaultSamlMappingProvider],
  ["synapse.handlers.saml_handler.DefaultSamlMappingProvider", DefaultSamlMappingProvider],
]);

export function builtinModule(name: string): unknown {
  return BUILTIN_MODULES.get(name);
}

/** Finds the class a spec names; throws ConfigError if it cannot. */
export type ModuleResolver = (spec: ModuleSpec) => unknown;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

export function configError(file: string, keyPath: string, message: string): ConfigError {
  return new ConfigError(`Error in configuration at '${keyPath}' in ${file}: ${message}`);
}

/** Synapse: enabled iff the section exists, `enabled` is not false, and sp_config or config_path is set. */
export function samlEnabled(config: HomeserverConfig): boolean {
  const saml = config.saml2_config;
  if (!saml || saml.enabled === false) return false;
  const spConfig = saml.sp_config;
  return (isRecord(spConfig) && Object.keys(spConfig).length > 0) || Boolean(saml.config_path);
}

/** Every module the config names, in load order: OIDC mappers, the SAML mapper, `modules`, `password_providers`. */
export function moduleSpecsOf(config: HomeserverConfig, file: string = configPath()): ModuleSpec[] {
  const specs: ModuleSpec[] = [];
  const oidcCount = config.oidc_providers?.length ?? 0;
  ssoConfigOf(config).oidcProviders.forEach((provider, index) => {
    const base = index < oidcCount ? `oidc_providers.${index}` : "oidc_config";
    const mapping = provider.user_mapping_provider;
    specs.push({
      kind: "oidc-mapper",
      name: mapping.module ?? DEFAULT_OIDC_MAPPER,
      config: mapping.config ?? {},
      keyPath: `${base}.user_mapping_provider`,
      idpId: provider.id,
    });
  });

  if (samlEnabled(config)) {
    const saml = config.saml2_config!;
    const keyPath = "saml2_config.user_mapping_provider";
    const entry = saml.user_mapping_provider ?? {};
    if (!isRecord(entry)) throw configError(file, keyPath, "expected a mapping with `module` and `config`");
    const name = entry.module ?? DEFAULT_SAML_MAPPER;
    if (typeof name !== "string" || name === "") throw configError(file, `${keyPath}.module`, "expected a string");
    const moduleConfig = entry.config ?? {};
    if (!isRecord(moduleConfig)) throw configError(file, `${keyPath}.config`, "expected a mapping");
    const spec: ModuleSpec = { kind: "saml-mapper", name, config: { ...moduleConfig }, keyPath };
    if (builtinModule(name) === DefaultSamlMappingProvider) {
      // Synapse still honours the deprecated top-level options for the default module.
      for (const key of ["mxid_source_attribute", "mxid_mapping"]) {
        if (saml[key]) {
          logger.warn(`config: saml2_config.${key} is deprecated; use saml2_config.user_mapping_provider.config.${key}`);
          spec.config[key] = saml[key];
        }
      }
    }
    specs.push(spec);
  }

  const list = (key: "modules" | "password_providers", kind: ModuleKind) => {
    (config[key] ?? []).forEach((entry, index) => {
      const keyPath = `${key}.${index}`;
      if (!isRecord(entry)) throw configError(file, keyPath, "expected a mapping with `module` and `config`");
      if (typeof entry.module !== "string" || entry.module === "") throw configError(file, `${keyPath}.module`, "expected a string");
      const moduleConfig = entry.config ?? {};
      if (!isRecord(moduleConfig)) throw configError(file, `${keyPath}.config`, "expected a mapping");
      specs.push({ kind, name: entry.module, config: moduleConfig, keyPath });
    });
  };
  list("modules", "auth-provider");
  list("password_providers", "legacy-password-provider");
  return specs;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

type AnyClass = (new (parsed: unknown, api: unknown) => object) & Record<string, unknown>;

function missingMethods(target: Record<string, unknown>, names: string[]): string[] {
  return names.filter((name) => typeof target[name] !== "function");
}

function stringSet(value: unknown): Set<string> | null {
  if (value === null || value === undefined || typeof value === "string") return null;
  if (typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function") return null;
  const items = [...(value as Iterable<unknown>)];
  return items.every((item) => typeof item === "string") ? new Set(items as string[]) : null;
}

/**
 * Checks, configures and constructs every module, each once, and returns them (not yet
 * published). Any problem is a ConfigError naming the config file and key path.
 */
export function instantiateModules(
  config: HomeserverConfig,
  resolve: ModuleResolver,
  file: string = configPath(),
  specs: ModuleSpec[] = moduleSpecsOf(config, file),
): LoadedModules {
  const passwordAuth: PasswordAuthRegistrations = emptyRegistrations();
  const loaded: LoadedModules = { config, oidcMappers: new Map(), samlMapper: null, authProviders: [], passwordAuth };

  for (const spec of specs) {
    const { name, keyPath } = spec;
    const cls = resolve(spec) as AnyClass;
    if (typeof cls !== "function" || typeof cls.prototype !== "object") {
      throw configError(file, `${keyPath}.module`, `'${name}' does not export a class (found ${cls === null ? "null" : typeof cls})`);
    }

    let parsed: unknown = spec.config;
    if (typeof cls.parseConfig === "function") {
      try {
        parsed = (cls.parseConfig as (config: ModuleConfig) => unknown)(structuredClone(spec.config));
      } catch (error) {
        throw configError(file, `${keyPath}.config`, `Failed to parse config for module '${name}': ${messageOf(error)}`);
      }
      if (parsed !== null && typeof (parsed as { then?: unknown })?.then === "function") {
        throw configError(file, `${keyPath}.config`, `module '${name}': parseConfig must return its result, not a Promise`);
      }
    }

    if (spec.kind === "saml-mapper" && typeof cls.getSamlAttributes !== "function") {
      throw configError(file, `${keyPath}.module`, `Class specified by ${keyPath}.module is missing required methods: getSamlAttributes`);
    }

    const api = createModuleApi(name, config, passwordAuth);
    let instance: Record<string, unknown>;
    try {
      instance = new cls(parsed, api) as Record<string, unknown>;
    } catch (error) {
      throw configError(file, keyPath, `module '${name}' failed to start: ${messageOf(error)}`);
    }

    switch (spec.kind) {
      case "oidc-mapper": {
        const missing = missingMethods(instance, ["getRemoteUserId", "mapUserAttributes"]);
        if (missing.length > 0) {
          throw configError(file, `${keyPath}.module`, `Class specified by ${keyPath}.module is missing required methods: ${missing.join(", ")}`);
        }
        loaded.oidcMappers.set(spec.idpId!, { name, keyPath, instance: instance as unknown as OidcMappingProvider });
        break;
      }
      case "saml-mapper": {
        const missing = missingMethods(instance, ["getRemoteUserId", "samlResponseToUserAttributes"]);
        if (missing.length > 0) {
          throw configError(file, `${keyPath}.module`, `Class specified by ${keyPath}.module is missing required methods: ${missing.join(", ")}`);
        }
        let sets: unknown;
        try {
          sets = (cls.getSamlAttributes as (parsed: unknown) => unknown)(parsed);
        } catch (error) {
          throw configError(file, keyPath, `module '${name}': getSamlAttributes failed: ${messageOf(error)}`);
        }
        // { required, optional }, or Synapse's pair of sets.
        const [required, optional] = Array.isArray(sets)
          ? [stringSet(sets[0]), stringSet(sets[1])]
          : isRecord(sets)
            ? [stringSet(sets.required), stringSet(sets.optional)]
            : [null, null];
        if (!required || !optional) {
          throw configError(file, keyPath, `module '${name}': getSamlAttributes must return { required, optional }, two sets of attribute names`);
        }
        loaded.samlMapper = { name, keyPath, instance: instance as unknown as SamlMappingProvider, required, optional };
        break;
      }
      case "legacy-password-provider":
        try {
          registerLegacyProvider(instance as LegacyPasswordProvider, api);
        } catch (error) {
          throw configError(file, keyPath, `module '${name}': ${messageOf(error)}`);
        }
        loaded.authProviders.push({ name, keyPath, instance });
        break;
      case "auth-provider":
        loaded.authProviders.push({ name, keyPath, instance });
        break;
    }
    if (!builtinModule(name)) logger.info(`module ${name} loaded (${keyPath})`);
  }
  return loaded;
}

const builtinOnly = new WeakMap<HomeserverConfig, LoadedModules>();

/**
 * The modules of `config`: those server.ts loaded at start-up, or — in a process that did not go
 * through server.ts (unit tests, tools) — the built-in ones, loaded here. A config that names an
 * extension module cannot be served by such a process, and says so.
 */
export function modulesFor(config: HomeserverConfig): LoadedModules {
  const published = publishedModules();
  if (published?.config === config) return published;
  let loaded = builtinOnly.get(config);
  if (!loaded) {
    loaded = instantiateModules(config, (spec) => {
      const builtin = builtinModule(spec.name);
      if (builtin) return builtin;
      throw configError(
        configPath(),
        `${spec.keyPath}.module`,
        `'${spec.name}' is an extension module; extension modules are loaded at start-up by server.ts (npm start), and this process did not load them`,
      );
    });
    builtinOnly.set(config, loaded);
  }
  return loaded;
}
