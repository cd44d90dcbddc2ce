// The sandbox around nunjucks. A stock nunjucks template can reach the Function constructor
// through any value (`{{ "".constructor.constructor("return process")() }}`) and run code.
// Templates come from the admin and the claims from the upstream IdP, so compiled templates run
// with the runtime below instead of nunjucks' own: member lookups follow own data properties only
// (plus the Python str/dict methods of python-strings.ts), calls refuse the code-running globals,
// and the variables are copied as plain JSON data first.
import { isSafeString, withoutKwargs, nj, type NjContext, type NjFrame } from "./nunjucks-internals";
import { DICT_METHODS, isDataObject, pyStr, STRING_METHODS } from "./python-strings";

type Method = (...args: unknown[]) => unknown;

// Unreachable through memberLookup anyway; refused again at the call as a second line of defence.
const FORBIDDEN_CALLEES = new Set<unknown>(
  [
    Function,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
    globalThis.eval,
    globalThis.setTimeout,
    globalThis.setInterval,
    (globalThis as { setImmediate?: unknown }).setImmediate,
  ].filter((callee) => callee !== undefined),
);

function indexOf(key: unknown, length: number): number | undefined {
  const text = typeof key === "number" ? String(key) : typeof key === "string" ? key : undefined;
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  const index = Number(text);
  return index < 0 ? length + index : index;
}

/** `a.b` and `a[b]`: own data only, plus the Python-style methods (python-strings.ts). */
export function memberLookup(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null || typeof obj === "function") return undefined;
  if (typeof key !== "string" && typeof key !== "number") return undefined;
  if (isSafeString(obj)) obj = obj.val;
  if (typeof obj === "string") {
    const chars = Array.from(obj);
    const index = indexOf(key, chars.length);
    if (index !== undefined) return chars[index];
    if (key === "length") return chars.length;
    const method = Object.hasOwn(STRING_METHODS, key) ? STRING_METHODS[key as string] : undefined;
    return method ? (...args: unknown[]) => method(obj as string, ...withoutKwargs(args)) : undefined;
  }
  if (Array.isArray(obj)) {
    const index = indexOf(key, obj.length);
    if (index !== undefined) return index >= 0 && index < obj.length ? obj[index] : undefined;
    return key === "length" ? obj.length : undefined;
  }
  if (obj === null || typeof obj !== "object") return undefined;
  const name = String(key);
  if (Object.hasOwn(obj, name)) {
    const descriptor = Object.getOwnPropertyDescriptor(obj, name);
    if (!descriptor || !("value" in descriptor)) return undefined; // never run a getter
    const value: unknown = descriptor.value;
    // Own functions are things like a cycler's next(); keep `this`.
    return typeof value === "function" ? (...args: unknown[]) => (value as Method).apply(obj, args) : value;
  }
  if (isDataObject(obj) && Object.hasOwn(DICT_METHODS, name)) {
    const method = DICT_METHODS[name];
    return (...args: unknown[]) => method(obj as Record<string, unknown>, ...withoutKwargs(args));
  }
  return undefined;
}


function contextOrFrameLookup(context: NjContext, frame: NjFrame, name: string): unknown {
  // Frame variables live in null-prototype objects already.
  const value = frame.lookup(name);
  if (value !== undefined) return value;
  if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
  if (Object.hasOwn(context.env.globals, name)) return context.env.globals[name];
  return undefined;
}

function callWrap(obj: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (!obj) throw new Error(`Unable to call \`${name}\`, which is undefined or falsey`);
  if (typeof obj !== "function") throw new Error(`Unable to call \`${name}\`, which is not a function`);
  if (FORBIDDEN_CALLEES.has(obj)) throw new Error(`Unable to call \`${name}\``);
  return (obj as Method).apply(context, args);
}

function inOperator(key: unknown, container: unknown): boolean {
  if (container === undefined || container === null) return false;
  if (isSafeString(container)) container = container.val;
  if (typeof container === "string") return typeof key === "string" || isSafeString(key) ? container.includes(String(key)) : false;
  if (Array.isArray(container)) return container.some((item) => item === key);
  if (container !== null && typeof container === "object" && (typeof key === "string" || typeof key === "number")) return Object.hasOwn(container, String(key));
  return false;
}

/** Output: Jinja's str() with Synapse's finalize (None → ""). Autoescape is off. */
function suppressValue(value: unknown): string {
  return value === null || value === undefined ? "" : pyStr(value);
}

/** nunjucks' runtime with the lookups, calls and output above: what every compiled template runs with. */
export const SAFE_RUNTIME = Object.freeze({
  ...nj.runtime,
  memberLookup,
  contextOrFrameLookup,
  callWrap,
  inOperator,
  suppressValue,
});

/**
 * A deep copy of the variables as JSON data (toJSON applied, functions dropped), with objects
 * given a null prototype, so that nothing but data reaches the template.
 */
export function toTemplateData(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
  if (json === undefined) return undefined;
  return JSON.parse(json, (_key, item: unknown) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const copy = Object.create(null) as Record<string, unknown>;
    for (const [key, entry] of Object.entries(item)) {
      Object.defineProperty(copy, key, { value: entry, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
}
