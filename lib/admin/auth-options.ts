// next-auth configuration of the admin console: JWT sessions, next-auth's CSRF protection, and two
// ways in — a local password (checked by the service's own password check) and single sign-on
// (a login token handed over by the normal SSO flow). Whether the account may administer is
// decided on every request from the database (require-admin-session.ts), not frozen in the JWT.
import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { checkPasswordSignIn } from "../auth/login";
import { consumeLoginToken } from "../auth/login-tokens";
import { getConfig } from "../config/load-config";
import { keyForPurpose } from "../config/secrets";
import { MatrixError } from "../matrix/errors";
import { loginLimiters } from "../ratelimit/login-limiters";

/** The error next-auth passes to the sign-in form when rc_login refused the attempt. */
export const RATE_LIMITED_SIGN_IN = "RateLimited";

/** The client address server.ts put on the request (next-auth hands authorize() the headers as an object). */
function clientIpOf(request: { headers?: Record<string, string | undefined> } | undefined): string {
  return request?.headers?.["x-matrix-client-ip"] ?? "unknown";
}

export const ADMIN_SIGN_IN_PATH = "/admin/sign-in";

let cached: { secret: string; options: AuthOptions } | undefined;

export function adminAuthOptions(): AuthOptions {
  const config = getConfig();
  // next-auth builds its own URLs (callbacks, CSRF) from NEXTAUTH_URL: the public address.
  process.env.NEXTAUTH_URL ??= `${config.public_baseurl}api/auth`;
  if (cached?.secret === config.signingSecret) return cached.options;
  const options: AuthOptions = {
    // A key of its own, derived from the homeserver's signing secret.
    secret: Buffer.from(keyForPurpose(config.signingSecret, "admin-console-session")).toString("base64url"),
    session: { strategy: "jwt", maxAge: 8 * 3600 },
    pages: { signIn: ADMIN_SIGN_IN_PATH, error: ADMIN_SIGN_IN_PATH },
    providers: [
      CredentialsProvider({
        id: "password",
        name: "Password",
        credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
        // The same gate as POST /login (password_config, rc_login, auth provider modules), and an
        // account without the admin flag is answered exactly as a wrong password: the console does
        // not tell whether a non-admin's password is right.
        async authorize(credentials, request) {
          if (!credentials?.username || !credentials.password) return null;
          const config = getConfig();
          try {
            const { userId, admin } = await checkPasswordSignIn({ user: credentials.username, password: credentials.password }, clientIpOf(request), config);
            if (admin) return { id: userId, name: userId };
            await loginLimiters(config).failedAttempts.record(userId.toLowerCase());
            return null;
          } catch (error) {
            if (!(error instanceof MatrixError)) throw error;
            if (error.errcode === "M_LIMIT_EXCEEDED") throw new Error(RATE_LIMITED_SIGN_IN);
            return null;
          }
        },
      }),
      CredentialsProvider({
        id: "login-token",
        name: "Single sign-on",
        credentials: { loginToken: { label: "Login token", type: "text" } },
        async authorize(credentials) {
          if (!credentials?.loginToken) return null;
          try {
            const { userId } = await consumeLoginToken(credentials.loginToken);
            return { id: userId, name: userId };
          } catch (error) {
            if (error instanceof MatrixError) return null;
            throw error;
          }
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) token.sub = user.id;
        return token;
      },
      async session({ session, token }) {
        session.user = { name: token.sub ?? null };
        return session;
      },
    },
  };
  cached = { secret: config.signingSecret, options };
  return options;
}
