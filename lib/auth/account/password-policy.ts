// password_config.policy, checked when a password is set (never at login), with Synapse's
// M_WEAK_PASSWORD messages.
import type { HomeserverConfig } from "../../config/schema";
import { MatrixError } from "../../matrix/errors";

export function checkPasswordPolicy(password: string, config: HomeserverConfig): void {
  const policy = config.password_config.policy;
  if (!policy.enabled) return;
  const weak = (message: string) => new MatrixError("M_WEAK_PASSWORD", message);
  if (password.length < policy.minimum_length) throw weak(`Password too short, must be at least ${policy.minimum_length} characters`);
  if (policy.require_digit && !/\d/.test(password)) throw weak("Password must contain a digit");
  if (policy.require_symbol && !/[^\p{L}\p{N}]/u.test(password)) throw weak("Password must contain a symbol");
  if (policy.require_uppercase && !/\p{Lu}/u.test(password)) throw weak("Password must contain an uppercase letter");
  if (policy.require_lowercase && !/\p{Ll}/u.test(password)) throw weak("Password must contain a lowercase letter");
}
