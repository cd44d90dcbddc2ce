// client_secret_jwt_key: a client secret that is itself a JWT signed by a private key, as Apple's
// "Sign in with Apple" requires (Synapse's JwtClientSecret). Payload: sub = client_id, aud = issuer,
// iat, exp = iat + 1 hour, plus the configured jwt_payload; regenerated when less than ten minutes
// of validity remain.
import { readFileSync } from "node:fs";
import path from "node:path";
import { importPKCS8, SignJWT, type JWTHeaderParameters } from "jose";

const LIFETIME_S = 3600;
const RENEW_BEFORE_S = 600;

export interface ClientSecretJwtKeyConfig {
  key?: string;
  key_file?: string;
  jwt_header: Record<string, unknown>;
  jwt_payload: Record<string, unknown>;
}

export class JwtClientSecret {
  private cached?: { token: string; expiresAt: number };
  private readonly pem: string;

  constructor(
    private readonly settings: ClientSecretJwtKeyConfig,
    private readonly clientId: string,
    private readonly issuer: string,
    configDir: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (typeof settings.jwt_header.alg !== "string") throw new Error("client_secret_jwt_key.jwt_header.alg is required");
    if (settings.key) this.pem = settings.key;
    else if (settings.key_file) this.pem = readFileSync(path.resolve(configDir, settings.key_file), "utf8");
    else throw new Error("client_secret_jwt_key needs key or key_file");
  }

  async get(): Promise<string> {
    const now = this.now();
    if (this.cached && this.cached.expiresAt - now > RENEW_BEFORE_S) return this.cached.token;
    const header = this.settings.jwt_header as JWTHeaderParameters;
    const key = await importPKCS8(this.pem, header.alg);
    const token = await new SignJWT({ ...this.settings.jwt_payload, sub: this.clientId, aud: this.issuer, iat: now, exp: now + LIFETIME_S })
      .setProtectedHeader(header)
      .sign(key);
    this.cached = { token, expiresAt: now + LIFETIME_S };
    return token;
  }
}
