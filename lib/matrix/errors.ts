// Matrix API errors: one error type and one closed table from errcode to HTTP status
// (Matrix client-server spec, "Standard error response").

export const ERRCODE_STATUS = {
  M_FORBIDDEN: 403,
  M_UNKNOWN_TOKEN: 401,
  M_MISSING_TOKEN: 401,
  M_USER_LOCKED: 401,
  M_BAD_JSON: 400,
  M_NOT_JSON: 400,
  M_NOT_FOUND: 404,
  M_LIMIT_EXCEEDED: 429,
  M_UNRECOGNIZED: 404,
  M_UNKNOWN: 400,
  M_MISSING_PARAM: 400,
  M_INVALID_PARAM: 400,
  M_INVALID_USERNAME: 400,
  M_USER_IN_USE: 400,
  M_EXCLUSIVE: 400,
  M_TOO_LARGE: 413,
  M_USER_DEACTIVATED: 403,
  M_THREEPID_DENIED: 403,
  M_UNAUTHORIZED: 401,
  M_WEAK_PASSWORD: 400,
} as const;

export type Errcode = keyof typeof ERRCODE_STATUS;

// Each Next.js route bundle evaluates its own copy of this module, while some objects are shared by
// every bundle of the process through globalThis — the Prisma client (lib/db/client.ts), whose NUL
// guard throws a MatrixError, and the rate limiters (lib/ratelimit/login-limiters.ts). An error made
// by another bundle's copy of a class fails a plain `instanceof` here and would be answered as an
// unexpected 500. So each class carries a brand from the process-wide symbol registry, and
// `instanceof` (through Symbol.hasInstance) and the is…() helpers recognise that brand instead.
const MATRIX_ERROR = Symbol.for("matrix-login-front.MatrixError");
const MATRIX_RESPONSE_ERROR = Symbol.for("matrix-login-front.MatrixResponseError");

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * `instanceof` for a branded base class: asked of the base class itself, true for any copy's
 * instance; asked of a subclass (which inherits the static method), the ordinary prototype check.
 */
function brandedInstanceOf(asked: Function, base: Function, brand: symbol, value: unknown): boolean {
  if (asked === base) return hasBrand(value, brand);
  return Function.prototype[Symbol.hasInstance].call(asked, value);
}

/** True for a MatrixError made by any route bundle's copy of this module. */
export function isMatrixError(value: unknown): value is MatrixError {
  return hasBrand(value, MATRIX_ERROR);
}

/** True for a MatrixResponseError made by any route bundle's copy of this module. */
export function isMatrixResponseError(value: unknown): value is MatrixResponseError {
  return hasBrand(value, MATRIX_RESPONSE_ERROR);
}

export class MatrixError extends Error {
  readonly status: number;

  static [Symbol.hasInstance](value: unknown): value is MatrixError {
    return brandedInstanceOf(this, MatrixError, MATRIX_ERROR, value);
  }

  constructor(
    readonly errcode: Errcode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    status?: number,
  ) {
    super(message);
    this.name = "MatrixError";
    this.status = status ?? ERRCODE_STATUS[errcode];
    Object.defineProperty(this, MATRIX_ERROR, { value: true });
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

export const unrecognized = (status = 404) => new MatrixError("M_UNRECOGNIZED", "Unrecognized request", {}, status);

/** A non-2xx answer whose body is not a plain Matrix error, e.g. UI-auth's 401 with its flows. */
export class MatrixResponseError extends Error {
  static [Symbol.hasInstance](value: unknown): value is MatrixResponseError {
    return brandedInstanceOf(this, MatrixResponseError, MATRIX_RESPONSE_ERROR, value);
  }

  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`HTTP ${status}`);
    this.name = "MatrixResponseError";
    Object.defineProperty(this, MATRIX_RESPONSE_ERROR, { value: true });
  }
}
