// The parts of nunjucks' internals the Jinja sandbox relies on: its parser, compiler, AST node
// classes and runtime are exported by nunjucks but not typed by @types/nunjucks. The versions are
// pinned in package.json; this file is where a nunjucks upgrade would show.
import nunjucks from "nunjucks";

export interface NjNode {
  readonly typename: string;
  readonly fields: string[];
  lineno: number;
  colno: number;
  [field: string]: unknown;
}
export type NjNodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;
export interface NjFrame {
  lookup(name: string): unknown;
}
export interface NjContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}
export interface NunjucksInternals {
  parser: { parse(src: string, extensions: unknown[], opts: object): NjNode };
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => { compile(ast: NjNode): void; getCode(): string } };
  nodes: Record<"Node" | "Symbol" | "NodeList" | "Filter" | "Concat" | "If" | "InlineIf" | "Not" | "Is" | "Include" | "Import" | "FromImport" | "Extends", NjNodeClass>;
  runtime: Record<string, unknown> & { SafeString: new (value: string) => { val: string } };
}
export const nj = nunjucks as unknown as NunjucksInternals;
export const { SafeString } = nj.runtime;

export type NodeType = keyof NunjucksInternals["nodes"];

/** A nunjucks SafeString (what `safe` and macros return): its text is in `val`. */
export function isSafeString(value: unknown): value is { val: string } {
  return value instanceof SafeString;
}

// nunjucks passes keyword arguments (`f(a, b=1)`) as a last object marked with `__keywords`.
export type KeywordArgs = Record<string, unknown>;

export function splitKwargs(args: unknown[]): [unknown[], KeywordArgs] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === "object" && Object.hasOwn(last, "__keywords")) {
    const { __keywords: _marker, ...kwargs } = last as KeywordArgs;
    return [args.slice(0, -1), kwargs];
  }
  return [args, {}];
}

export function withoutKwargs(args: unknown[]): unknown[] {
  return splitKwargs(args)[0];
}
