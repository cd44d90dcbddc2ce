// Jinja templates (the OIDC mapper's *_template settings), compiled with nunjucks, which is close
// to Jinja, but run in the sandbox of sandbox.ts. Compiling validates the template (no loader tags,
// only known filters and tests) and rewrites the spots where JavaScript semantics would differ
// from Jinja's, so that values print as Jinja prints them: None/undefined → "" at output,
// True/False, Python-style lists and dicts, and `~` concatenation never produces "undefined".
import nunjucks from "nunjucks";
import { BOOL_FILTER, jinjaEnv, jinjaEnvInternals, STR_FILTER } from "./environment";
import { nj, type NjNode, type NodeType } from "./nunjucks-internals";
import { SAFE_RUNTIME, toTemplateData } from "./sandbox";

/** A compiled template. `render` copies the variables as plain JSON data before rendering. */
export interface JinjaTemplate {
  readonly source: string;
  render(variables: Record<string, unknown>): string;
}

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
  const template = new nunjucks.Template({ type: "code", obj: guarded } as unknown as string, jinjaEnv, name, true);
  return {
    source,
    render(variables) {
      const data: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(variables)) data[key] = toTemplateData(value);
      return template.render(data);
    },
  };
}

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
    if (!Object.hasOwn(jinjaEnvInternals.filters, filterName)) throw new Error(`no filter named '${filterName}'`);
  }
  if (isNode(node, "Is")) {
    const right = node.right as NjNode;
    const testName = (right.name ? (right.name as NjNode).value : right.value) as string;
    if (!Object.hasOwn(jinjaEnvInternals.tests, testName)) throw new Error(`no test named '${testName}'`);
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
