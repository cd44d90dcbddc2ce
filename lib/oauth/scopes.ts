// The Matrix OAuth 2.0 scopes (MSC2967, Matrix v1.15 "Scope"): full API access, one device, and the
// few extra scopes this server grants. Checked at the authorization endpoint before anything is
// shown, so a client with a bad request learns why (`invalid_scope`) without bothering the person.

const STABLE = "urn:matrix:client:";
// Element X and other clients built before v1.15 still send MSC2967's unstable prefix.
const UNSTABLE = "urn:matrix:org.matrix.msc2967.client:";
export const ADMIN_SCOPE = "urn:synapse:admin:*";
/** The device ID grammar of the spec's device scope: unreserved and sub-delims, 10 characters at least. */
const DEVICE_ID = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]{10,}$/;

export interface MatrixScope {
  deviceId: string;
  /** `urn:synapse:admin:*`: the Synapse admin API, for admins only (checked once the person is known). */
  admin: boolean;
  openid: boolean;
  /** Which prefix the client used; its tokens carry the scope back as requested. */
  prefix: "stable" | "unstable";
}

export class ScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScopeError";
  }
}

/** Parses a requested scope, or throws ScopeError saying which rule it breaks. */
export function parseMatrixScope(scope: string | undefined | null): MatrixScope {
  const parts = [...new Set((scope ?? "").split(" ").filter((part) => part !== ""))];
  const prefixes = new Set<"stable" | "unstable">();
  const devices: string[] = [];
  let api = false;
  let admin = false;
  let openid = false;
  for (const part of parts) {
    if (part === "openid") {
      openid = true;
      continue;
    }
    if (part === ADMIN_SCOPE) {
      admin = true;
      continue;
    }
    const prefix = part.startsWith(STABLE) ? "stable" : part.startsWith(UNSTABLE) ? "unstable" : null;
    if (prefix === null) throw new ScopeError(`The scope ${part} is not one this server grants.`);
    prefixes.add(prefix);
    const rest = part.slice(prefix === "stable" ? STABLE.length : UNSTABLE.length);
    if (rest === "api:*") {
      api = true;
    } else if (rest.startsWith("device:")) {
      const deviceId = rest.slice("device:".length);
      if (!DEVICE_ID.test(deviceId)) {
        throw new ScopeError("A device ID must be at least 10 characters from A-Z a-z 0-9 and ._~!$&'()*+,;=:@/-");
      }
      devices.push(deviceId);
    } else {
      throw new ScopeError(`The scope ${part} is not one this server grants.`);
    }
  }
  if (prefixes.size > 1) {
    throw new ScopeError("The stable (urn:matrix:client:) and unstable (urn:matrix:org.matrix.msc2967.client:) scopes must not be mixed.");
  }
  if (!api) throw new ScopeError("The scope must include urn:matrix:client:api:*.");
  if (devices.length !== 1) throw new ScopeError("The scope must include exactly one urn:matrix:client:device:<device ID>.");
  return { deviceId: devices[0], admin, openid, prefix: prefixes.has("unstable") ? "unstable" : "stable" };
}

/** Whether a scope token is one of the Matrix API or device scopes (for the resource server's list). */
export function isMatrixScopeToken(part: string): boolean {
  return part === ADMIN_SCOPE || part.startsWith(STABLE) || part.startsWith(UNSTABLE);
}

/** The device ID of a granted scope string, or null. */
export function deviceIdOfScope(scope: string | undefined | null): string | null {
  try {
    return parseMatrixScope(scope).deviceId;
  } catch {
    return null;
  }
}
