// Example password auth provider module: a static table of credentials, checked for a custom login
// type (`com.example.login` with a `my_field` secret) and for ordinary password logins, by user or
// by email address. It can create the Matrix account on first login, and keep an audit log of
// logins and logouts. Use it from homeserver.yaml:
//
//   modules:
//     - module: ./examples/static-auth-provider.ts     # relative to homeserver.yaml
//       config:
//         credentials:                    # username or Matrix ID → secret
//           bob: building
//           "@scoop:example.org": digging
//         threepids:                      # optional: "medium:address" → username, for email logins
//           "email:bob@example.org": bob
//         login_type: com.example.login   # default
//         field: my_field                 # default
//         password_login: true            # default: also check m.login.password
//         register_unknown_users: false   # default: only existing accounts may log in
//         audit_log: /var/log/matrix-login-audit.jsonl   # optional
//
// A login with the custom type:
//   POST /_matrix/client/v3/login
//   {"type": "com.example.login", "identifier": {"type": "m.id.user", "user": "bob"}, "my_field": "building"}
import { createHash, timingSafeEqual } from "node:crypto";
import { appendFile } from "node:fs/promises";
import type {
  AuthProviderModule,
  AuthResult,
  LoggedOutDetails,
  LoginResponse,
  ModuleApi,
  ModuleConfig,
} from "../lib/modules";

export interface StaticAuthConfig {
  /** Matrix ID → secret. */
  credentials: Map<string, string>;
  /** "medium:address" → Matrix ID. */
  threepids: Map<string, string>;
  loginType: string;
  field: string;
  passwordLogin: boolean;
  registerUnknownUsers: boolean;
  auditLog: string | null;
}

function stringMap(config: ModuleConfig, key: string): Map<string, string> {
  const value = config[key] ?? {};
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new Error(`${key} must be a mapping of strings to strings`);
  }
  return new Map(Object.entries(value as Record<string, string>));
}

function sameSecret(a: string, b: string): boolean {
  // Equal-length digests, so the comparison time says nothing about the secret.
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export default class StaticAuthProvider {
  static parseConfig(config: ModuleConfig): StaticAuthConfig {
    const string = (key: string, fallback: string) => {
      const value = config[key] ?? fallback;
      if (typeof value !== "string" || value === "") throw new Error(`${key} must be a non-empty string`);
      return value;
    };
    const boolean = (key: string, fallback: boolean) => {
      const value = config[key] ?? fallback;
      if (typeof value !== "boolean") throw new Error(`${key} must be true or false`);
      return value;
    };
    const credentials = stringMap(config, "credentials");
    if (credentials.size === 0) throw new Error("credentials must list at least one user");
    const auditLog = config.audit_log ?? null;
    if (auditLog !== null && typeof auditLog !== "string") throw new Error("audit_log must be a file path");
    return {
      credentials,
      threepids: new Map([...stringMap(config, "threepids")].map(([key, user]) => [key.toLowerCase(), user])),
      loginType: string("login_type", "com.example.login"),
      field: string("field", "my_field"),
      passwordLogin: boolean("password_login", true),
      registerUnknownUsers: boolean("register_unknown_users", false),
      auditLog,
    };
  }

  private readonly credentials: Map<string, string>;

  constructor(
    private readonly config: StaticAuthConfig,
    private readonly api: ModuleApi,
  ) {
    // Key the table by full Matrix ID, so "bob" and "@bob:server" are the same entry.
    this.credentials = new Map([...config.credentials].map(([user, secret]) => [api.getQualifiedUserId(user), secret]));
    api.registerPasswordAuthProviderCallbacks({
      authCheckers: {
        [config.loginType]: { fields: [config.field], check: (username, _type, dict) => this.check(username, dict[config.field]) },
        ...(config.passwordLogin
          ? { "m.login.password": { fields: ["password"], check: (username, _type, dict) => this.check(username, dict.password) } }
          : {}),
      },
      check3pidAuth: async (medium, address, password) => {
        const user = config.threepids.get(`${medium}:${address}`.toLowerCase());
        return user === undefined ? null : this.check(user, password);
      },
      onLoggedOut: (userId, deviceId, accessToken, details) => this.loggedOut(userId, deviceId, accessToken, details),
    });
  }

  /** The Matrix ID `username` proves with `secret`, and a callback that records the login; else null. */
  private async check(username: string, secret: unknown): Promise<AuthResult> {
    const userId = this.api.getQualifiedUserId(username);
    const expected = this.credentials.get(userId);
    if (expected === undefined || typeof secret !== "string" || !sameSecret(secret, expected)) return null;

    let account = await this.api.checkUserExists(userId);
    if (account === null) {
      if (!this.config.registerUnknownUsers) return null;
      account = await this.api.registerUser(userId.slice(1, userId.indexOf(":")));
    }
    return { userId: account, callback: (response: LoginResponse) => this.audit({ event: "login", user_id: response.user_id, device_id: response.device_id }) };
  }

  private loggedOut(userId: string, deviceId: string | null, accessToken: string | null, details: LoggedOutDetails): Promise<void> {
    return this.audit({ event: "logout", user_id: userId, device_id: deviceId, access_token: accessToken, access_token_hash: details.accessTokenHash });
  }

  private async audit(entry: Record<string, unknown>): Promise<void> {
    if (this.config.auditLog) await appendFile(this.config.auditLog, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  }
}

StaticAuthProvider satisfies AuthProviderModule<StaticAuthConfig>;
