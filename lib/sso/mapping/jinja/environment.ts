// The nunjucks environment the Jinja templates compile in: no loader (so no include, import or
// extends), no autoescape (the results are values, not HTML), and Jinja's filters, tests and
// globals where nunjucks' differ (`default` replaces only Undefined, `join` and `first` iterate as
// Python does, `trim`/`replace` take Python's arguments; `None`, `True`, `False`), plus Synapse's
// `localpart_from_email`.
import nunjucks from "nunjucks";
import { splitKwargs } from "./nunjucks-internals";
import { pyIterate, pyReplace, pySplit, pyStr, pyStrip, pyTruthy } from "./python-strings";
import { memberLookup } from "./sandbox";

// Filters used by the AST rewrite (template.ts). The names cannot be written in a template.
export const STR_FILTER = "~str";
export const BOOL_FILTER = "~bool";

export const jinjaEnv = new nunjucks.Environment([] /* no loader: no filesystem access */, {
  autoescape: false, // the results are values, not HTML
  throwOnUndefined: false,
});
export const jinjaEnvInternals = jinjaEnv as unknown as {
  filters: Record<string, unknown>;
  tests: Record<string, unknown>;
  globals: Record<string, unknown>;
  addTest(name: string, test: (value: unknown, ...args: unknown[]) => boolean): unknown;
};
// Unknown filter/test names must not resolve to Object.prototype members.
Object.setPrototypeOf(jinjaEnvInternals.filters, null);
Object.setPrototypeOf(jinjaEnvInternals.tests, null);
Object.setPrototypeOf(jinjaEnvInternals.globals, null);

jinjaEnv.addFilter(STR_FILTER, (value: unknown) => pyStr(value));
jinjaEnv.addFilter(BOOL_FILTER, (value: unknown) => pyTruthy(value));
jinjaEnv.addFilter("string", (value: unknown) => pyStr(value));

// Synapse's own filter: `email.rsplit("@", 1)[0]`. A missing value gives "" (Synapse raises).
jinjaEnv.addFilter("localpart_from_email", (email: unknown) =>
  email === undefined || email === null ? "" : pySplit(pyStr(email), "@", 1, true)[0],
);

jinjaEnv.addFilter("lower", (value: unknown) => pyStr(value).toLowerCase());
jinjaEnv.addFilter("upper", (value: unknown) => pyStr(value).toUpperCase());

jinjaEnv.addFilter("trim", (value: unknown, ...rest: unknown[]) => {
  const [args, kwargs] = splitKwargs(rest);
  return pyStrip(pyStr(value), args[0] ?? kwargs.chars);
});

jinjaEnv.addFilter("replace", (value: unknown, ...rest: unknown[]) => {
  const [args, kwargs] = splitKwargs(rest);
  const old = args[0] ?? kwargs.old;
  const replacement = args[1] ?? kwargs.new;
  const count = args[2] ?? kwargs.count;
  if (old instanceof RegExp) return pyStr(value).replace(old, pyStr(replacement)); // nunjucks r/…/ literal
  return pyReplace(pyStr(value), pyStr(old), pyStr(replacement), count);
});

// default(value, default_value="", boolean=False): only Undefined is replaced unless boolean is true.
function defaultFilter(value: unknown, ...rest: unknown[]): unknown {
  const [args, kwargs] = splitKwargs(rest);
  const fallback = args.length > 0 ? args[0] : (kwargs.default_value ?? "");
  const boolean = args.length > 1 ? args[1] : kwargs.boolean;
  return value === undefined || (pyTruthy(boolean) && !pyTruthy(value)) ? fallback : value;
}
jinjaEnv.addFilter("default", defaultFilter);
jinjaEnv.addFilter("d", defaultFilter);

jinjaEnv.addFilter("first", (value: unknown) => (value === undefined ? undefined : pyIterate(value, "first")[0]));
jinjaEnv.addFilter("last", (value: unknown) => {
  if (value === undefined) return undefined;
  const items = pyIterate(value, "last");
  return items[items.length - 1];
});

jinjaEnv.addFilter("join", (value: unknown, ...rest: unknown[]) => {
  if (value === undefined) return "";
  const [args, kwargs] = splitKwargs(rest);
  const separator = pyStr(args[0] ?? kwargs.d ?? "");
  const attribute = args[1] ?? kwargs.attribute;
  let items = pyIterate(value, "join");
  if (attribute !== undefined && attribute !== null) {
    items = items.map((item) => String(attribute).split(".").reduce<unknown>((target, part) => memberLookup(target, part), item));
  }
  return items.map(pyStr).join(separator);
});

jinjaEnvInternals.addTest("none", (value: unknown) => value === null);
jinjaEnv.addGlobal("None", null);
jinjaEnv.addGlobal("True", true);
jinjaEnv.addGlobal("False", false);
