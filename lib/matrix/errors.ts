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

export class MatrixError extends Error {
  readonly status: number;

  constructor(
    readonly errcode: Errcode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    status?: number,
  ) {
    super(message);
    this.name = "MatrixError";
    this.status = status ?? ERRCODE_STATUS[errcode];
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

export const unrecognized = (status = 404) => new MatrixError("M_UNRECOGNIZED", "Unrecognized request", {}, status);

/** A non-2xx answer whose body is not a plain Matrix error, e.g. UI-auth's 401 with its flows. */
export class MatrixResponseError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`HTTP ${status}`);
    this.name = "MatrixResponseError";
  }
}
