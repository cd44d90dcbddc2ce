// Matrix JSON request bodies are checked by zod schemas (lib/matrix/request-bodies.ts), and every
// schema failure becomes a Matrix error here, in one place. Clients branch on the errcode and show
// the message, so both are Synapse's:
// - a body that is not a JSON object: M_BAD_JSON "Content must be a JSON object.";
// - a missing field: M_MISSING_PARAM "Missing params: ['name']" (Synapse's assert_params_in_dict);
// - a field of the wrong type or form: M_INVALID_PARAM "Invalid param: name";
// - where a Synapse servlet words it differently (/login's "Bad parameter: type", "Missing JSON
//   keys."), the schema says so through `synapseWording`, and a refinement's own message is used
//   as written (with params.errcode, or M_INVALID_PARAM).
// Only the first issue is answered, in the order the schema lists its fields, which is the order
// Synapse checks them in.
import { z } from "zod";
import { MatrixError, type Errcode } from "./errors";

export type MatrixAnswer = readonly [Errcode, string];

export interface FieldWording {
  /** The answer when the field is absent. */
  missing?: MatrixAnswer;
  /** The answer when it is present but not valid. */
  invalid?: MatrixAnswer;
  /**
   * Every problem within answered with this errcode and zod's own explanation, "Invalid param:
   * name: what is wrong" (the admin API, whose bodies are richer than a client's).
   */
  explained?: Errcode;
}

/** Schemas whose failures Synapse words in its own way; applies to the schema and what is inside it. */
export const synapseWording = z.registry<FieldWording>();

export const NOT_AN_OBJECT: MatrixAnswer = ["M_BAD_JSON", "Content must be a JSON object."];

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** The schemas inside `schema` that a value at `key` is checked by, wrappers included. */
function childOf(schema: AnySchema, key: PropertyKey): AnySchema | undefined {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return childOf(def.innerType as AnySchema, key);
    case "pipe":
      return childOf(def.in as AnySchema, key);
    case "object":
      return (def.shape as Record<PropertyKey, AnySchema>)[key];
    case "array":
      return def.element as AnySchema;
    default:
      return undefined;
  }
}

/** The wording registered nearest to the failing value: on its own schema, or on an enclosing one. */
function wordingFor(root: AnySchema, path: readonly PropertyKey[]): FieldWording | undefined {
  let schema: AnySchema | undefined = root;
  let wording = synapseWording.get(root);
  for (const key of path) {
    schema = schema && childOf(schema, key);
    if (!schema) break;
    wording = synapseWording.get(schema) ?? wording;
  }
  return wording;
}

/** The one translation of a zod issue into the Matrix error a client gets for it. */
export function matrixErrorOfIssue(schema: AnySchema, issue: Issue): MatrixError {
  if (issue.code === "custom") {
    const errcode = (issue.params?.errcode as Errcode | undefined) ?? "M_INVALID_PARAM";
    return new MatrixError(errcode, issue.message);
  }
  const missing = issue.code === "invalid_type" && issue.input === undefined;
  const wording = wordingFor(schema, issue.path);
  const answer = missing ? wording?.missing : wording?.invalid;
  if (answer) return new MatrixError(...answer);
  const name = issue.path.map(String).join(".");
  if (wording?.explained) return new MatrixError(wording.explained, `Invalid param: ${name || "body"}: ${issue.message}`);
  if (issue.path.length === 0) return new MatrixError(...NOT_AN_OBJECT);
  return missing
    ? new MatrixError("M_MISSING_PARAM", `Missing params: ['${name}']`)
    : new MatrixError("M_INVALID_PARAM", `Invalid param: ${name}`);
}

/** The body as `schema` reads it, or the Matrix error of its first problem (thrown). */
export function parseMatrixBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  // reportInput: an issue then carries the value it is about, which tells "absent" from "wrong".
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success) throw matrixErrorOfIssue(schema, result.error.issues[0]);
  return result.data;
}
