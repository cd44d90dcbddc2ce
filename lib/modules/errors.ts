// The two exceptions a mapping provider may raise on purpose (Synapse's MappingException and
// RedirectException).
//
// Modules are loaded by Node at start-up (server.ts), while the code that catches these errors is
// compiled into the Next.js route bundles: the same class exists once per bundle and once in the
// start-up process, so a plain `instanceof` would not recognise a module's error. Each instance
// therefore carries a process-wide brand (a Symbol.for key), and `instanceof MappingError` /
// `instanceof RedirectError` test that brand, whichever copy of the class made the error.

const MAPPING_ERROR = Symbol.for("matrix-sso-login.MappingError");
const REDIRECT_ERROR = Symbol.for("matrix-sso-login.RedirectError");

function hasBrand(value: unknown, brand: symbol): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

function brand(target: object, key: symbol): void {
  Object.defineProperty(target, key, { value: true, enumerable: false });
}

/**
 * Raised by a mapping provider to stop the login and show `message` to the person on the SSO
 * error page (error code `mapping_error`).
 */
export class MappingError extends Error {
  /** Brand test: true for a MappingError made by any copy of this class (see the file comment). */
  static [Symbol.hasInstance](value: unknown): value is MappingError {
    // A subclass keeps ordinary instanceof semantics among its own instances.
    if (this !== MappingError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasBrand(value, MAPPING_ERROR);
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MappingError";
    brand(this, MAPPING_ERROR);
  }
}

/**
 * Raised by a mapping provider to send the browser to `location` instead of finishing the login
 * (for example to ask the person extra questions). `cookies` are complete Set-Cookie header
 * values sent with the redirect. It is then up to the module to bring the person back.
 */
export class RedirectError extends Error {
  static [Symbol.hasInstance](value: unknown): value is RedirectError {
    if (this !== RedirectError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasBrand(value, REDIRECT_ERROR);
  }

  constructor(
    readonly location: string,
    readonly cookies: string[] = [],
  ) {
    super(`redirect to ${location}`);
    this.name = "RedirectError";
    brand(this, REDIRECT_ERROR);
  }
}

export function isMappingError(value: unknown): value is MappingError {
  return hasBrand(value, MAPPING_ERROR);
}

export function isRedirectError(value: unknown): value is RedirectError {
  return hasBrand(value, REDIRECT_ERROR);
}
