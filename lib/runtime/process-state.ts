// Process-wide state (the config, the database client, loaded modules, rate limiters, caches), in
// one registry on globalThis. Next.js bundles route handlers and pages separately, each with its own
// copy of lib/, and server.ts loads lib/ once more outside the bundles: a module-level variable would
// exist once per copy. This is the only module that touches globalThis for that purpose; each owner
// declares a typed slot by name, and tests reset them all at once.

const REGISTRY_KEY = Symbol.for("matrix-sso-login.process-state");

interface Cell<T> {
  value: T | undefined;
}

type Registry = Map<string, Cell<unknown>>;

function registry(): Registry {
  const global = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (global[REGISTRY_KEY] ??= new Map());
}

export interface ProcessSlot<T> {
  get(): T | undefined;
  set(value: T | undefined): void;
  /** The value, made by `create` on first use in the process (undefined means "not made yet"). */
  getOrCreate(create: () => T): T;
}

/**
 * The slot `name` of this process: every copy of the calling module gets the same one. A slot is a
 * cell looked up once, so reading it costs a property access (getConfig() and db() are on every request).
 */
export function processSlot<T>(name: string): ProcessSlot<T> {
  const cells = registry();
  let cell = cells.get(name) as Cell<T> | undefined;
  if (!cell) {
    cell = { value: undefined };
    cells.set(name, cell as Cell<unknown>);
  }
  const own = cell;
  return {
    get: () => own.value,
    set: (value) => {
      own.value = value;
    },
    getOrCreate: (create) => {
      if (own.value === undefined) own.value = create();
      return own.value;
    },
  };
}

/** For tests: forget every slot's value (the slots themselves stay valid). */
export function resetProcessState(): void {
  for (const cell of registry().values()) cell.value = undefined;
}
