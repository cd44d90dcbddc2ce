// What the account store answers when a user ID cannot be registered, as errors of its own: the
// SSO flows branch on their type, and the JSON API's edge (lib/matrix/route.ts) turns them into
// Synapse's Matrix error. Recognised by a brand, not instanceof, as they may cross copies of lib/
// (lib/runtime/process-state.ts says why there are several).
const USERNAME_TAKEN = Symbol.for("matrix-sso-login.UsernameTakenError");

/** The user ID is taken, in some letter case — possibly by a concurrent registration. */
export class UsernameTakenError extends Error {
  readonly [USERNAME_TAKEN] = true;

  constructor(readonly userId: string) {
    // Synapse's words, which clients show.
    super("User ID already taken.");
    this.name = "UsernameTakenError";
  }
}

export function isUsernameTakenError(error: unknown): error is UsernameTakenError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[USERNAME_TAKEN] === true;
}
