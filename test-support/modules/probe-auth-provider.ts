// A test password auth provider: records every call to a JSON-lines file and answers as the
// config says, so that tests can see the order modules are asked in and what they were given.
//
// config: name, log_file, login_types ({type: [fields]}, default m.login.password/password),
// answers ({username: "@user:server" | "throw" | "garbage"}; anyone else: null),
// logout ("record" | "throw"), reject (a message parseConfig throws).
import { appendFileSync } from "node:fs";
import type { AuthProviderModule, AuthResult, ModuleApi, ModuleConfig } from "../../lib/modules";

interface ProbeConfig {
  name: string;
  logFile: string;
  loginTypes: Record<string, string[]>;
  answers: Record<string, string>;
  logout: "record" | "throw";
}

export default class ProbeAuthProvider {
  static parseConfig(config: ModuleConfig): ProbeConfig {
    if (typeof config.reject === "string") throw new Error(config.reject);
    if (typeof config.name !== "string" || typeof config.log_file !== "string") throw new Error("name and log_file are required");
    return {
      name: config.name,
      logFile: config.log_file,
      loginTypes: (config.login_types as Record<string, string[]>) ?? { "m.login.password": ["password"] },
      answers: (config.answers as Record<string, string>) ?? {},
      logout: config.logout === "throw" ? "throw" : "record",
    };
  }

  constructor(
    private readonly config: ProbeConfig,
    api: ModuleApi,
  ) {
    const authCheckers = Object.fromEntries(
      Object.entries(config.loginTypes).map(([type, fields]) => [type, { fields, check: this.check.bind(this) }]),
    );
    api.registerPasswordAuthProviderCallbacks({
      authCheckers,
      onLoggedOut: (userId, deviceId, accessToken, details) => {
        this.record({ event: "logout", userId, deviceId, accessToken, accessTokenHash: details.accessTokenHash });
        if (config.logout === "throw") throw new Error(`${config.name}: onLoggedOut exploded`);
      },
    });
  }

  private record(entry: Record<string, unknown>): void {
    appendFileSync(this.config.logFile, `${JSON.stringify({ module: this.config.name, ...entry })}\n`);
  }

  private async check(username: string, loginType: string, loginDict: Record<string, unknown>): Promise<AuthResult> {
    this.record({ event: "check", username, loginType, loginDict });
    const answer = this.config.answers[username];
    if (answer === "throw") throw new Error(`${this.config.name}: checker exploded`);
    if (answer === "garbage") return 42 as unknown as AuthResult;
    return answer ?? null;
  }
}

ProbeAuthProvider satisfies AuthProviderModule<ProbeConfig>;
