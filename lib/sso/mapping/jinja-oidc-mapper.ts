// The default OIDC mapping provider, Synapse's JinjaOidcMappingProvider (synapse/handlers/oidc.py):
// every user attribute comes from a Jinja template rendered with `user` = the OIDC claims.
//
// Templates are compiled with nunjucks, which is close to Jinja, but not a sandbox: a stock
// nunjucks template can reach the Function constructor through any value
// (`{{ "".constructor.constructor("return process")() }}`) and run code. Templates come from the
// admin and the claims from the upstream IdP, so the rendering below swaps in a runtime that only
// follows own data properties, plus a few Python-style string/dict methods that are implemented
// here. Values are also printed as Jinja would print them: None/undefined → "" at output, True/False,
// Python-style lists and dicts, and `~` concatenation never produces "undefined".
import nunjucks from "nunjucks";
import { z } from "zod";
import { ConfigError } from "../../config/load-config";
import { logger } from "../../logging/logger";
import { mapUsernameToLocalpart } from "../../matrix/identifiers";
import { MappingError, type OidcMappingProvider, type OidcTokenSet, type OidcUserinfo, type UserAttributes } from "./types";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

const optionalTemplateSource = z.string({ error: "must be a string" }).nullish();

/**
 * `user_mapping_provider.config` of the Jinja provider. Output: the template sources, with the
 * legacy `subject_claim` / `picture_claim` turned into templates and the defaults filled in.
 * Unknown keys are accepted (and dropped).
 */
export const jinjaOidcMapperConfigSchema = z.preprocess(
  (raw) => (raw === undefined || raw === null ? {} : raw),
  z
    .looseObject(
      {
        subject_template: optionalTemplateSource,
        subject_claim: z.string({ error: "must be a string" }).nullish(),
        picture_template: optionalTemplateSource,
        picture_claim: z.string({ error: "must be a string" }).nullish(),
        localpart_template: optionalTemplateSource,
        display_name_template: optionalTemplateSource,
        email_template: optionalTemplateSource,
        // Synapse: `config.get("extra_attributes") or {}`, then "must be a dict".
        extra_attributes: z.preprocess(
          (value) => (value === undefined || value === null ? {} : value),
          z.record(z.string(), z.string({ error: "must be a string" }), { error: "must be a dict" }),
        ),
        // Synapse: `config.get("confirm_localpart") or False`, then "must be a bool".
        confirm_localpart: z.preprocess(
          (value) => (value === undefined || value === null || value === 0 || value === "" ? false : value),
          z.boolean({ error: "must be a bool" }),
        ),
      },
      { error: "must be a dict" },
    )
    .transform((config) => ({
      // Synapse: `if not template:` fall back to `{{ user.<claim> }}` (claim default "sub"/"picture").
      subject_template: config.subject_template || `{{ user.${config.subject_claim ?? "sub"} }}`,
      picture_template: config.picture_template || `{{ user.${config.picture_claim ?? "picture"} }}`,
      localpart_template: config.localpart_template ?? undefined,
      display_name_template: config.display_name_template ?? undefined,
      email_template: config.email_template ?? undefined,
      extra_attributes: config.extra_attributes,
      confirm_localpart: config.confirm_localpart,
    })),
);

/** The validated config, template sources only (see `JinjaOidcMappingParsedConfig` for the compiled form). */
export type JinjaOidcMapperConfig = z.output<typeof jinjaOidcMapperConfigSchema>;

/** What `JinjaOidcMappingProvider.parseConfig` returns: every template compiled. */
export interface JinjaOidcMappingParsedConfig {
  config: JinjaOidcMapperConfig;
  subjectTemplate: JinjaTemplate;
  pictureTemplate: JinjaTemplate;
  /** null: no localpart is proposed and the user picks one. */
  localpartTemplate: JinjaTemplate | null;
  displayNameTemplate: JinjaTemplate | null;
  emailTemplate: JinjaTemplate | null;
  extraAttributes: ReadonlyArray<readonly [string, JinjaTemplate]>;
  confirmLocalpart: boolean;
}

const CONFIG_PREFIX = "user_mapping_provider.config";

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

export class JinjaOidcMappingProvider implements OidcMappingProvider {
  /** Validates `user_mapping_provider.config` and compiles every template; throws ConfigError naming the key. */
  static parseConfig(raw: unknown): JinjaOidcMappingParsedConfig {
    const result = jinjaOidcMapperConfigSchema.safeParse(raw);
    if (!result.success) {
      throw new ConfigError(
        result.error.issues
          .map((issue) => `${[CONFIG_PREFIX, ...issue.path.map(String)].join(".")}: ${issue.message}`)
          .join("; "),
      );
    }
    const config = result.data;
    const compile = (source: string, key: string): JinjaTemplate => {
      try {
        return compileJinjaTemplate(source, key);
      } catch (error) {
        const detail = (error as Error).message.replace(/\s+/g, " ").trim();
        throw new ConfigError(`${CONFIG_PREFIX}.${key}: invalid jinja template (${detail})`);
      }
    };
    const optional = (source: string | undefined, key: string) => (source === undefined ? null : compile(source, key));
    return {
      config,
      subjectTemplate: compile(config.subject_template, "subject_template"),
      pictureTemplate: compile(config.picture_template, "picture_template"),
      localpartTemplate: optional(config.localpart_template, "localpart_template"),
      displayNameTemplate: optional(config.display_name_template, "display_name_template"),
      emailTemplate: optional(config.email_template, "email_template"),
      extraAttributes: Object.entries(config.extra_attributes).map(
        ([name, source]) => [name, compile(source, `extra_attributes.${name}`)] as const,
      ),
      confirmLocalpart: config.confirm_localpart,
    };
  }

  constructor(private readonly parsed: JinjaOidcMappingParsedConfig) {}

  getRemoteUserId(userinfo: OidcUserinfo): string {
    let subject: string;
    try {
      subject = pyStrip(this.parsed.subjectTemplate.render({ user: userinfo }));
    } catch (error) {
      logger.warn("OIDC mapping: subject_template failed to render", error);
      throw new MappingError("Failed to extract subject from OIDC response");
    }
    if (!subject) throw new MappingError("Failed to extract subject from OIDC response");
    return subject;
  }

  mapUserAttributes(userinfo: OidcUserinfo, _token: OidcTokenSet, failures: number): UserAttributes {
    const { localpartTemplate, displayNameTemplate, emailTemplate, pictureTemplate, confirmLocalpart } = this.parsed;
    const render = (template: JinjaTemplate | null): string | null => {
      if (!template) return null;
      return pyStrip(template.render({ user: userinfo })) || null;
    };

    let localpart = render(localpartTemplate);
    if (localpart !== null) {
      // Only valid characters in the MXID; then de-duplicate: john, john1, john2...
      localpart = mapUsernameToLocalpart(localpart);
      if (failures > 0) localpart += String(failures);
    }
    const email = render(emailTemplate);
    return {
      localpart,
      displayName: render(displayNameTemplate),
      emails: email === null ? [] : [email],
      picture: render(pictureTemplate),
      confirmLocalpart,
    };
  }

  getExtraAttributes(userinfo: OidcUserinfo, _token: OidcTokenSet): Record<string, unknown> {
    const extras: Array<[string, string]> = [];
    for (const [name, template] of this.parsed.extraAttributes) {
      try {
        extras.push([name, pyStrip(template.render({ user: userinfo }))]);
      } catch (error) {
        // As Synapse: log and skip this value rather than break the login.
        logger.error(`Failed to render OIDC extra attribute ${name}`, error);
      }
    }
    return Object.fromEntries(extras);
  }
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/** A compiled template. `render` copies the variables as plain JSON data before rendering. */
export interface JinjaTemplate {
  readonly source: string;
  render(variables: Record<string, unknown>): string;
}

// The parts of nunjucks' internals used here (exported by nunjucks but not typed by @types/nunjucks).
interface NjNode {
  readonly typename: string;
  readonly fields: string[];
  lineno: number;
  colno: number;
  [field: string]: unknown;
}
type NjNodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;
interface NjFrame {
  lookup(name: string): unknown;
}
interface NjContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}
interface NunjucksInternals {
  parser: { parse(src: string, extensions: unknown[], opts: object): NjNode };
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => { compile(ast: NjNode): void; getCode(): string } };
  nodes: Record<"Node" | "Symbol" | "NodeList" | "Filter" | "Concat" | "If" | "InlineIf" | "Not" | "Is" | "Include" | "Import" | "FromImport" | "Extends", NjNodeClass>;
  runtime: Record<string, unknown> & { SafeString: new (value: string) => { val: string } };
}
const nj = nunjucks as unknown as NunjucksInternals;
const { SafeString } = nj.runtime;

// Filters used by the AST rewrite. The names cannot be written in a template.
const STR_FILTER = "~str";
const BOOL_FILTER = "~bool";

const env = new nunjucks.Environment([] /* no loader: no filesystem access */, {
  autoescape: false, // the results are values, not HTML
  throwOnUndefined: false,
});
const envInternals = env as unknown as {
  filters: Record<string, unknown>;
  tests: Record<string, unknown>;
  globals: Record<string, unknown>;
  addTest(name: string, test: (value: unknown, ...args: unknown[]) => boolean): unknown;
};
// Unknown filter/test names must not resolve to Object.prototype members.
Object.setPrototypeOf(envInternals.filters, null);
Object.setPrototypeOf(envInternals.tests, null);
Object.setPrototypeOf(envInternals.globals, null);

/** Compiles one template (throws on a syntax error, an unknown filter or test, or a loader tag). */
export function compileJinjaTemplate(source: string, name = "template"): JinjaTemplate {
  const ast = rewriteAst(nj.parser.parse(source, [], {}));
  const compiler = new nj.compiler.Compiler(name, false);
  compiler.compile(ast);
  // This is what nunjucks does with a template's source (Template._compile).
  const props = new Function(compiler.getCode())() as Record<string, unknown>; // eslint-disable-line no-new-func
  const guarded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props)) {
    guarded[key] =
      typeof value === "function"
        ? (envArg: unknown, context: unknown, frame: unknown, _runtime: unknown, cb: unknown) =>
            value(envArg, context, frame, SAFE_RUNTIME, cb)
        : value;
  }
  const template = new nunjucks.Template({ type: "code", obj: guarded } as unknown as string, env, name, true);
  return {
    source,
    render(variables) {
      const data: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(variables)) data[key] = toTemplateData(value);
      return template.render(data);
    },
  };
}

type NodeType = keyof NunjucksInternals["nodes"];

// A plain boolean, not a type guard: every node is an NjNode, and `instanceof` narrowing would end in `never`.
function isNode(value: unknown, type: NodeType = "Node"): boolean {
  return value instanceof nj.nodes[type];
}

/** Validates the AST and rewrites the spots where JavaScript semantics would differ from Jinja's. */
function rewriteAst(node: NjNode): NjNode {
  if (isNode(node, "Include") || isNode(node, "Import") || isNode(node, "FromImport") || isNode(node, "Extends")) {
    throw new Error(`${node.typename} is not available: templates have no loader`);
  }
  if (isNode(node, "Filter")) {
    const filterName = (node.name as NjNode).value as string;
    if (!Object.hasOwn(envInternals.filters, filterName)) throw new Error(`no filter named '${filterName}'`);
  }
  if (isNode(node, "Is")) {
    const right = node.right as NjNode;
    const testName = (right.name ? (right.name as NjNode).value : right.value) as string;
    if (!Object.hasOwn(envInternals.tests, testName)) throw new Error(`no test named '${testName}'`);
  }
  for (const field of node.fields) {
    const value = node[field];
    if (isNode(value)) node[field] = rewriteAst(value as NjNode);
    else if (Array.isArray(value)) node[field] = value.map((child: unknown) => (isNode(child) ? rewriteAst(child as NjNode) : child));
  }
  // `a ~ b`: nunjucks compiles this to `a + "" + b` (giving "undefined", "null", "true"); Jinja uses str().
  if (isNode(node, "Concat")) {
    node.left = wrapInFilter(STR_FILTER, node.left as NjNode);
    node.right = wrapInFilter(STR_FILTER, node.right as NjNode);
  }
  // Conditions use Python truthiness (empty lists and dicts are false).
  if (isNode(node, "If") || isNode(node, "InlineIf")) node.cond = wrapInFilter(BOOL_FILTER, node.cond as NjNode);
  if (isNode(node, "Not")) node.target = wrapInFilter(BOOL_FILTER, node.target as NjNode);
  return node;
}

function wrapInFilter(filterName: string, node: NjNode): NjNode {
  const { nodes } = nj;
  return new nodes.Filter(
    node.lineno,
    node.colno,
    new nodes.Symbol(node.lineno, node.colno, filterName),
    new nodes.NodeList(node.lineno, node.colno, [node]),
  );
}

/**
 * A deep copy of the variables as JSON data (toJSON applied, functions dropped), with objects
 * given a null prototype, so that nothing but data reaches the template.
 */
function toTemplateData(value: unknown): unknown {
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

// ---------------------------------------------------------------------------------------------
// The guarded runtime
// ---------------------------------------------------------------------------------------------

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

function isSafeString(value: unknown): value is { val: string } {
  return value instanceof SafeString;
}

function isDataObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function indexOf(key: unknown, length: number): number | undefined {
  const text = typeof key === "number" ? String(key) : typeof key === "string" ? key : undefined;
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  const index = Number(text);
  return index < 0 ? length + index : index;
}

/** `a.b` and `a[b]`: own data only, plus the Python-style methods below. */
function memberLookup(obj: unknown, key: unknown): unknown {
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

const SAFE_RUNTIME = Object.freeze({
  ...nj.runtime,
  memberLookup,
  contextOrFrameLookup,
  callWrap,
  inOperator,
  suppressValue,
});

// ---------------------------------------------------------------------------------------------
// Python semantics
// ---------------------------------------------------------------------------------------------

const PY_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE = new RegExp(`[${PY_WHITESPACE}]`);

/** Python's str(): Undefined → "", None → "None", True/False, list/dict reprs. */
function pyStr(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (isSafeString(value)) return value.val;
  if (Array.isArray(value) || isDataObject(value)) return pyRepr(value);
  return pyScalar(value);
}

function pyScalar(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (value === Infinity) return "inf";
    if (value === -Infinity) return "-inf";
    return String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "function") return "<function>";
  if (value instanceof RegExp) return value.toString();
  if (typeof value === "object") return pyRepr(Object.fromEntries(Object.entries(value)));
  return String(value);
}

function pyRepr(value: unknown, depth = 0): string {
  if (depth > 50) return "...";
  if (typeof value === "string") return pyQuote(value);
  if (isSafeString(value)) return pyQuote(value.val);
  if (Array.isArray(value)) return `[${value.map((item) => pyRepr(item, depth + 1)).join(", ")}]`;
  if (isDataObject(value)) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${pyQuote(key)}: ${pyRepr(item, depth + 1)}`)
      .join(", ")}}`;
  }
  return pyScalar(value);
}

function pyQuote(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\" || char === quote) out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return quote + out + quote;
}

function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (isSafeString(value)) return value.val.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isDataObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** str.strip/lstrip/rstrip: Python whitespace by default, else any of `chars`. */
function pyStrip(text: string, chars?: unknown, left = true, right = true): string {
  const strip = (char: string) => (chars === undefined || chars === null ? PY_SPACE.test(char) : pyStr(chars).includes(char));
  const list = Array.from(text);
  let start = 0;
  let end = list.length;
  if (left) while (start < end && strip(list[start])) start++;
  if (right) while (end > start && strip(list[end - 1])) end--;
  return list.slice(start, end).join("");
}

/** str.split / str.rsplit. */
function pySplit(text: string, sep: unknown, maxsplit: unknown, fromRight: boolean): string[] {
  const limit = typeof maxsplit === "number" && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep !== undefined && sep !== null) {
    const separator = pyStr(sep);
    if (separator === "") throw new Error("empty separator");
    const parts: string[] = [];
    let rest = text;
    while (parts.length < limit) {
      const at = fromRight ? rest.lastIndexOf(separator) : rest.indexOf(separator);
      if (at < 0) break;
      if (fromRight) {
        parts.unshift(rest.slice(at + separator.length));
        rest = rest.slice(0, at);
      } else {
        parts.push(rest.slice(0, at));
        rest = rest.slice(at + separator.length);
      }
    }
    return fromRight ? [rest, ...parts] : [...parts, rest];
  }
  // No separator: runs of whitespace, empty strings dropped.
  const words = Array.from(text);
  const isSpace = (char: string) => PY_SPACE.test(char);
  const parts: string[] = [];
  if (!fromRight) {
    let i = 0;
    while (i < words.length) {
      while (i < words.length && isSpace(words[i])) i++;
      if (i >= words.length) break;
      if (parts.length >= limit) {
        parts.push(pyStrip(words.slice(i).join(""), undefined, false, true));
        break;
      }
      let j = i;
      while (j < words.length && !isSpace(words[j])) j++;
      parts.push(words.slice(i, j).join(""));
      i = j;
    }
    return parts;
  }
  let i = words.length;
  while (i > 0) {
    while (i > 0 && isSpace(words[i - 1])) i--;
    if (i <= 0) break;
    if (parts.length >= limit) {
      parts.unshift(pyStrip(words.slice(0, i).join(""), undefined, true, false));
      break;
    }
    let j = i;
    while (j > 0 && !isSpace(words[j - 1])) j--;
    parts.unshift(words.slice(j, i).join(""));
    i = j;
  }
  return parts;
}

/** str.replace(old, new, count=-1), including Python's handling of an empty `old`. */
function pyReplace(text: string, old: string, replacement: string, count: unknown): string {
  let remaining = typeof count === "number" && count >= 0 ? count : Infinity;
  if (old === "") {
    const chars = Array.from(text);
    let out = "";
    for (let i = 0; i <= chars.length; i++) {
      if (remaining > 0) {
        out += replacement;
        remaining--;
      }
      if (i < chars.length) out += chars[i];
    }
    return out;
  }
  let out = "";
  let position = 0;
  while (remaining > 0) {
    const at = text.indexOf(old, position);
    if (at < 0) break;
    out += text.slice(position, at) + replacement;
    position = at + old.length;
    remaining--;
  }
  return out + text.slice(position);
}

function startsOrEndsWith(text: string, affix: unknown, ends: boolean): boolean {
  const affixes = Array.isArray(affix) ? affix : [affix];
  return affixes.some((item) => (ends ? text.endsWith(pyStr(item)) : text.startsWith(pyStr(item))));
}

type KeywordArgs = Record<string, unknown>;

function splitKwargs(args: unknown[]): [unknown[], KeywordArgs] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === "object" && Object.hasOwn(last, "__keywords")) {
    const { __keywords: _marker, ...kwargs } = last as KeywordArgs;
    return [args.slice(0, -1), kwargs];
  }
  return [args, {}];
}

function withoutKwargs(args: unknown[]): unknown[] {
  return splitKwargs(args)[0];
}

/** Python str methods available on strings (`user.email.split('@')[0]`, `user.name.lower()`...). */
const STRING_METHODS: Record<string, (text: string, ...args: unknown[]) => unknown> = Object.assign(Object.create(null), {
  lower: (text: string) => text.toLowerCase(),
  upper: (text: string) => text.toUpperCase(),
  strip: (text: string, chars?: unknown) => pyStrip(text, chars),
  lstrip: (text: string, chars?: unknown) => pyStrip(text, chars, true, false),
  rstrip: (text: string, chars?: unknown) => pyStrip(text, chars, false, true),
  split: (text: string, sep?: unknown, maxsplit?: unknown) => pySplit(text, sep, maxsplit, false),
  rsplit: (text: string, sep?: unknown, maxsplit?: unknown) => pySplit(text, sep, maxsplit, true),
  replace: (text: string, old: unknown, replacement: unknown, count?: unknown) => pyReplace(text, pyStr(old), pyStr(replacement), count),
  startswith: (text: string, prefix: unknown) => startsOrEndsWith(text, prefix, false),
  endswith: (text: string, suffix: unknown) => startsOrEndsWith(text, suffix, true),
  capitalize: (text: string) => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase(),
  join: (text: string, items: unknown) => (Array.isArray(items) ? items.map(pyStr).join(text) : ""),
});

/** Python dict methods available on objects whose own keys don't shadow them (`user.get('x', 'y')`). */
const DICT_METHODS: Record<string, (obj: Record<string, unknown>, ...args: unknown[]) => unknown> = Object.assign(Object.create(null), {
  get: (obj: Record<string, unknown>, key: unknown, fallback: unknown = null) =>
    (typeof key === "string" || typeof key === "number") && Object.hasOwn(obj, String(key)) ? obj[String(key)] : fallback,
  keys: (obj: Record<string, unknown>) => Object.keys(obj),
  values: (obj: Record<string, unknown>) => Object.values(obj),
  items: (obj: Record<string, unknown>) => Object.entries(obj),
});

/** Iterating a value as Python would: a list, a string's characters, a dict's keys. */
function pyIterate(value: unknown, filterName: string): unknown[] {
  if (isSafeString(value)) value = value.val;
  if (typeof value === "string") return Array.from(value);
  if (Array.isArray(value)) return value;
  if (isDataObject(value)) return Object.keys(value);
  throw new Error(`${filterName}: ${pyScalar(value)} is not iterable`);
}

// ---------------------------------------------------------------------------------------------
// Filters, tests and globals, with Jinja's behaviour where nunjucks differs
// ---------------------------------------------------------------------------------------------

env.addFilter(STR_FILTER, (value: unknown) => pyStr(value));
env.addFilter(BOOL_FILTER, (value: unknown) => pyTruthy(value));
env.addFilter("string", (value: unknown) => pyStr(value));

// Synapse's own filter: `email.rsplit("@", 1)[0]`. A missing value gives "" (Synapse raises).
env.addFilter("localpart_from_email", (email: unknown) =>
  email === undefined || email === null ? "" : pySplit(pyStr(email), "@", 1, true)[0],
);

env.addFilter("lower", (value: unknown) => pyStr(value).toLowerCase());
env.addFilter("upper", (value: unknown) => pyStr(value).toUpperCase());

env.addFilter("trim", (value: unknown, ...rest: unknown[]) => {
  const [args, kwargs] = splitKwargs(rest);
  return pyStrip(pyStr(value), args[0] ?? kwargs.chars);
});

env.addFilter("replace", (value: unknown, ...rest: unknown[]) => {
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
env.addFilter("default", defaultFilter);
env.addFilter("d", defaultFilter);

env.addFilter("first", (value: unknown) => (value === undefined ? undefined : pyIterate(value, "first")[0]));
env.addFilter("last", (value: unknown) => {
  if (value === undefined) return undefined;
  const items = pyIterate(value, "last");
  return items[items.length - 1];
});

env.addFilter("join", (value: unknown, ...rest: unknown[]) => {
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

envInternals.addTest("none", (value: unknown) => value === null);
env.addGlobal("None", null);
env.addGlobal("True", true);
env.addGlobal("False", false);
