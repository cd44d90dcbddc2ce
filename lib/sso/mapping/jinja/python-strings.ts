// Python's semantics for the values a Jinja template sees, where JavaScript's differ: str() and
// repr() of None, booleans, lists and dicts; truthiness (empty lists and dicts are false); and the
// str/dict methods templates call (`user.email.split('@')[0]`, `user.get('x', 'y')`), with
// Python's whitespace set, maxsplit and count arguments.
import { isSafeString } from "./nunjucks-internals";

/** A plain data object (JSON-like, as toTemplateData makes them), not an array or class instance. */
export function isDataObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

const PY_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE = new RegExp(`[${PY_WHITESPACE}]`);

/** Python's str(): Undefined → "", None → "None", True/False, list/dict reprs. */
export function pyStr(value: unknown): string {
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

export function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (isSafeString(value)) return value.val.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isDataObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** str.strip/lstrip/rstrip: Python whitespace by default, else any of `chars`. */
export function pyStrip(text: string, chars?: unknown, left = true, right = true): string {
  const strip = (char: string) => (chars === undefined || chars === null ? PY_SPACE.test(char) : pyStr(chars).includes(char));
  const list = Array.from(text);
  let start = 0;
  let end = list.length;
  if (left) while (start < end && strip(list[start])) start++;
  if (right) while (end > start && strip(list[end - 1])) end--;
  return list.slice(start, end).join("");
}

/** str.split / str.rsplit. */
export function pySplit(text: string, sep: unknown, maxsplit: unknown, fromRight: boolean): string[] {
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
        parts.push(words.slice(i).join("")); // the rest as it is: Python keeps its trailing whitespace
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
      parts.unshift(words.slice(0, i).join("")); // and rsplit its leading whitespace
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
export function pyReplace(text: string, old: string, replacement: string, count: unknown): string {
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

/** Python str methods available on strings (`user.email.split('@')[0]`, `user.name.lower()`...). */
export const STRING_METHODS: Record<string, (text: string, ...args: unknown[]) => unknown> = Object.assign(Object.create(null), {
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
export const DICT_METHODS: Record<string, (obj: Record<string, unknown>, ...args: unknown[]) => unknown> = Object.assign(Object.create(null), {
  get: (obj: Record<string, unknown>, key: unknown, fallback: unknown = null) =>
    (typeof key === "string" || typeof key === "number") && Object.hasOwn(obj, String(key)) ? obj[String(key)] : fallback,
  keys: (obj: Record<string, unknown>) => Object.keys(obj),
  values: (obj: Record<string, unknown>) => Object.values(obj),
  items: (obj: Record<string, unknown>) => Object.entries(obj),
});

/** Iterating a value as Python would: a list, a string's characters, a dict's keys. */
export function pyIterate(value: unknown, filterName: string): unknown[] {
  if (isSafeString(value)) value = value.val;
  if (typeof value === "string") return Array.from(value);
  if (Array.isArray(value)) return value;
  if (isDataObject(value)) return Object.keys(value);
  throw new Error(`${filterName}: ${pyScalar(value)} is not iterable`);
}
