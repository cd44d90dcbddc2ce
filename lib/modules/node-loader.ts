// Imports the modules named in the config with Node's own loader, and publishes them for the
// route bundles. Only the start-up process (server.ts) and tests import this file: module files
// are not part of the Next.js build, so they must never be imported from a route bundle.
//
// A module is named by
//   - a path, relative to the config file ("./modules/my-mapper.ts") or absolute, or
//   - a package name, resolved from the config file's folder, then from the service's folder;
// optionally followed by "#ExportName" to pick a named export (default: the default export, or
// for a CommonJS module, module.exports). .js, .mjs and .cjs work anywhere. TypeScript files (.ts,
// .mts, .cts) need tsx: `npm run dev` runs under it, while `npm start` runs compiled JavaScript
// under plain node and registers tsx only when a TypeScript module is configured (its loader costs
// ~50 MB of memory, and most deployments have no such module).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { configPath } from "../config/load-config";
import type { HomeserverConfig } from "../config/schema";
import { builtinModule, configError, instantiateModules, moduleSpecsOf, type ModuleSpec } from "./load";
import { publishModules, type LoadedModules } from "./state";

/** "pkg#Name" → ["pkg", "Name"]; a leading "#" (a package import) is not a separator. */
export function splitModuleName(name: string): { specifier: string; exportName: string | undefined } {
  const hash = name.lastIndexOf("#");
  if (hash <= 0) return { specifier: name, exportName: undefined };
  return { specifier: name.slice(0, hash), exportName: name.slice(hash + 1) || undefined };
}

const isPath = (specifier: string) =>
  specifier.startsWith("./") || specifier.startsWith("../") || path.isAbsolute(specifier) || specifier === "." || specifier === "..";

/** The file (or, failing resolution, the bare specifier) Node should import. */
function resolveSpecifier(specifier: string, configDir: string): string {
  if (isPath(specifier)) {
    const file = path.resolve(configDir, specifier);
    if (!existsSync(file)) throw new Error(`no such file: ${file}`);
    return pathToFileURL(file).href;
  }
  for (const base of [configDir, process.cwd()]) {
    try {
      return pathToFileURL(createRequire(path.join(base, "noop.js")).resolve(specifier)).href;
    } catch {
      // try the next base, then Node's ESM resolution below
    }
  }
  return specifier;
}

function pickExport(namespace: Record<string, unknown>, exportName: string | undefined): unknown {
  // A CommonJS module imported from ESM arrives as { default: module.exports, …named };
  // a TypeScript module compiled to CommonJS may nest its default export once more.
  const cjs = namespace.default as Record<string, unknown> | undefined;
  if (exportName !== undefined) {
    return namespace[exportName] ?? (cjs !== null && typeof cjs === "object" ? cjs[exportName] : undefined);
  }
  if (cjs !== null && typeof cjs === "object" && typeof cjs.default === "function") return cjs.default;
  return cjs;
}

function importUrl(target: string): Promise<Record<string, unknown>> {
  return import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ target);
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?(\?|$)/;

/** tsx's loader, registered at most once (importing it again is a no-op, as under `--import tsx`). */
async function registerTypeScriptLoader(): Promise<void> {
  try {
    await importUrl("tsx");
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new Error("TypeScript modules need tsx (npm install tsx), or compile the module to JavaScript");
  }
}

/**
 * Imports a module file; a TypeScript one that plain node refuses is imported again with tsx's
 * loader registered. Trying first keeps tsx out of processes that can already load TypeScript
 * (tsx itself, the test runner).
 */
async function importFile(target: string): Promise<Record<string, unknown>> {
  try {
    return await importUrl(target);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_UNKNOWN_FILE_EXTENSION" || !TYPESCRIPT_FILE.test(target)) throw error;
  }
  await registerTypeScriptLoader();
  // Node remembers that this URL failed to load: ask for the file under another one.
  return importUrl(`${target}${target.includes("?") ? "&" : "?"}tsx`);
}

export async function importModuleClass(spec: ModuleSpec, configDir: string, file: string): Promise<unknown> {
  const { specifier, exportName } = splitModuleName(spec.name);
  let namespace: Record<string, unknown>;
  try {
    namespace = await importFile(resolveSpecifier(specifier, configDir));
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw configError(file, `${spec.keyPath}.module`, `cannot load module '${spec.name}': ${detail}`);
  }
  const exported = pickExport(namespace, exportName);
  if (exported === undefined) {
    const what = exportName === undefined ? "default export" : `export named '${exportName}'`;
    throw configError(file, `${spec.keyPath}.module`, `module '${spec.name}' has no ${what}`);
  }
  return exported;
}

/**
 * Imports, checks and constructs every module the config names, once, and publishes them on
 * globalThis for the route bundles. Throws ConfigError (with the config file and key path) on any
 * problem, including a module's parseConfig refusing its options.
 */
export async function loadModules(config: HomeserverConfig, file: string = configPath()): Promise<LoadedModules> {
  const specs = moduleSpecsOf(config, file);
  const imported = new Map<ModuleSpec, unknown>();
  for (const spec of specs) {
    if (builtinModule(spec.name) === undefined) imported.set(spec, await importModuleClass(spec, config.configDir, file));
  }
  const loaded = instantiateModules(config, (spec) => builtinModule(spec.name) ?? imported.get(spec), file, specs);
  publishModules(loaded);
  return loaded;
}
