// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), loaded once per
// process and let go again: the service needs it only to migrate at start-up. The package's main
// entry can't be imported by Node (it imports a .wasm file), so its JS glue is instantiated here by
// hand, with what that takes to let the instance be garbage-collected afterwards. Engine work is
// serialized: one job at a time per process.
import { existsSync, promises as fs } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { processSlot } from "../runtime/process-state";

export type EngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

const ENGINE_PACKAGE = "@prisma/schema-engine-wasm";

// A process slot, so that a module loaded twice (Next.js dev reloads, bundles and tests importing it
// separately) still shares one Wasm instance and one queue.
interface LoadedEngine {
  glue: EngineModule;
  /** Lets go of the instance (its compiled code and linear memory) so that GC can reclaim it. */
  unload(): void;
}
interface SharedState {
  engine?: Promise<LoadedEngine>;
  queue: Promise<unknown>;
  timers: Set<NodeJS.Timeout>;
}
// (".v2": the engine promise's value changed shape; a dev reload must not pick up an older copy's.)
const shared = processSlot<SharedState>("schema-engine-wasm.v2").getOrCreate(() => ({
  queue: Promise.resolve(),
  timers: new Set(),
}));

/** The path of a file of the engine package, found from the project root (or this module). */
function resolveEngineFile(file: string): string {
  const bases = [path.join(/* turbopackIgnore: true */ process.cwd(), "package.json")];
  if (typeof __filename === "string") bases.push(__filename);
  for (const base of bases) {
    try {
      // `./schema_engine_bg` is an exported subpath; the package doesn't export package.json.
      const bgJs = createRequire(base).resolve(`${ENGINE_PACKAGE}/schema_engine_bg`);
      return path.join(path.dirname(bgJs), file);
    } catch {
      // try the next base
    }
  }
  const fallback = path.join(/* turbopackIgnore: true */ process.cwd(), "node_modules", ...ENGINE_PACKAGE.split("/"), file);
  if (existsSync(fallback)) return fallback;
  throw new Error(`Cannot find ${ENGINE_PACKAGE} (looked for ${file}); is it installed?`);
}

/**
 * On a Rust panic the engine stores the message here before throwing. Made outside
 * instantiateEngine on purpose: closures created there would keep its scope, and with it the
 * instance, alive for good.
 */
function installPanicRegistry(): void {
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { message: string; get(): string; set_message(m: string): void } };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: "",
    get() {
      return this.message;
    },
    set_message(message: string) {
      this.message = `RuntimeError: ${message}`;
    },
  };
}

/**
 * The engine's JS glue, evaluated while FinalizationRegistry is hidden. The glue registers every
 * Rust closure it hands to JS in a registry of its own whose entries reference the instance, and
 * some of those closures are never dropped by the engine: the instance, its code and its memory
 * could never be collected (a heap snapshot shows that path after a migration). Without FinalizationRegistry the
 * glue uses no-ops (it supports runtimes that lack one): engines are freed explicitly (withEngine),
 * and closures leak only into an instance that is itself released. require() evaluates the module
 * synchronously, so no other code can run while the global is hidden (an ES module loaded with
 * require(): Node 20.19 or later).
 */
function requireGlue(): EngineModule {
  const globals = globalThis as { FinalizationRegistry?: unknown };
  const finalizationRegistry = globals.FinalizationRegistry;
  globals.FinalizationRegistry = undefined;
  try {
    return require("@prisma/schema-engine-wasm/schema_engine_bg") as EngineModule;
  } finally {
    globals.FinalizationRegistry = finalizationRegistry;
  }
}

async function instantiateEngine(): Promise<LoadedEngine> {
  // The package's main entry does `import * as wasm from "./schema_engine_bg.wasm"`, which Node
  // can't import. Its JS glue (schema_engine_bg.js) is an ordinary ES module, though: instantiate
  // the .wasm with the glue as its import object and hand the instance to the glue, as the entry
  // module would.
  const glue = requireGlue();
  const bytes = await fs.readFile(resolveEngineFile("schema_engine_bg.wasm"));
  const compiled = await WebAssembly.compile(bytes);
  // The wasm-bindgen output imports everything from one namespace named after the glue file
  // ("./schema_engine_bg.js"); read it from the module rather than hard-coding it.
  const namespaces = [...new Set(WebAssembly.Module.imports(compiled).map((entry) => entry.module))];
  // Same functions, except that the engine's timers are remembered: it leaves timeouts (e.g. 10 s
  // around taking PostgreSQL's advisory lock) pending after the work they guard is done, and those
  // would keep a CLI process alive. withEngine clears them once the engine is done.
  const functions: Record<string, unknown> = { ...(glue as unknown as Record<string, unknown>) };
  for (const name of Object.keys(functions).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    const original = functions[name] as (callback: () => void, ms: number) => NodeJS.Timeout;
    functions[name] = (callback: () => void, ms: number) => {
      const timer = original(() => {
        shared.timers.delete(timer);
        callback();
      }, ms);
      shared.timers.add(timer);
      return timer;
    };
  }
  const imports: WebAssembly.Imports = {};
  for (const namespace of namespaces) imports[namespace] = functions as WebAssembly.ModuleImports;
  const instance = await WebAssembly.instantiate(compiled, imports);

  installPanicRegistry();
  const raw = glue as unknown as { __wbg_set_wasm(exports: unknown): void };
  raw.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  const unload = () => {
    // The glue is a cached ES module that keeps the instance's exports and typed-array views of
    // its memory for good. Growing the memory by nothing detaches the buffer under those views
    // (the glue makes new ones for a later instance), and dropping the exports leaves nothing
    // holding the instance.
    (instance.exports.memory as WebAssembly.Memory).grow(0);
    // A detached view still points at its Memory object, and the Memory at its new buffer: the
    // engine's whole linear memory (~1.8 MB after a migration) stayed resident for the server's
    // life (a heap snapshot's retainer path: the glue's cached Uint8Array and DataView). Two glue
    // functions that re-make those views, called against a one-page memory, move them off it; that
    // page is then detached in turn, so that a later instance gets views of its own memory.
    const placeholder = new WebAssembly.Memory({ initial: 1 });
    raw.__wbg_set_wasm({ memory: placeholder });
    refreshMemoryViews(glue);
    placeholder.grow(0);
    raw.__wbg_set_wasm(undefined);
  };
  return { glue, unload };
}

/**
 * Makes the glue replace its cached views of linear memory (it does so on its next access once they
 * are detached): one function that reads a string through the Uint8Array view, one that writes
 * through the DataView. Their names end in a hash of the wasm-bindgen build, so they are found by
 * prefix; lib/db/schema-engine.test.ts checks that the engine's memory is really let go.
 */
function refreshMemoryViews(glue: EngineModule): void {
  const functions = glue as unknown as Record<string, unknown>;
  const named = (prefix: string) => Object.keys(functions).find((key) => key.startsWith(prefix) && typeof functions[key] === "function");
  const readsString = named("__wbg_Error_");
  const writesThroughDataView = named("__wbg___wbindgen_bigint_get_as_i64_");
  if (readsString) (functions[readsString] as (ptr: number, len: number) => unknown)(0, 0);
  if (writesThroughDataView) (functions[writesThroughDataView] as (ptr: number, value: unknown) => void)(0, undefined);
}

function loadEngine(): Promise<LoadedEngine> {
  if (!shared.engine) {
    shared.engine = instantiateEngine();
    shared.engine.catch(() => {
      shared.engine = undefined;
    });
  }
  return shared.engine;
}

/** Loads and starts the Wasm schema engine once per process (again after releaseSchemaEngine). */
export async function loadSchemaEngineModule(): Promise<EngineModule> {
  return (await loadEngine()).glue;
}

/**
 * Lets the engine's compiled code and memory go once the work queued before this call is done
 * (the server's resident memory after start-up: 112 → 106 MB). The service needs the engine only
 * to migrate at start-up; a later job loads it again.
 */
export function releaseSchemaEngine(): Promise<void> {
  return serialized(async () => {
    const engine = shared.engine;
    shared.engine = undefined;
    (await engine?.catch(() => undefined))?.unload();
  });
}

/** Runs engine work one job at a time in this process. */
export function serialized<T>(job: () => Promise<T>): Promise<T> {
  const run = shared.queue.then(job, job);
  shared.queue = run.catch(() => undefined);
  return run;
}

/** Forgets an instance that panicked: nothing is safe to call on it, so the next job starts a new one. */
export function discardSchemaEngine(): void {
  shared.engine = undefined;
}

/** Clears the timers the engine left pending (see instantiateEngine); engine work is serialized, so they are the finished job's. */
export function clearSchemaEngineTimers(): void {
  for (const timer of shared.timers) clearTimeout(timer);
  shared.timers.clear();
}
