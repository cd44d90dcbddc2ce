// next-auth configuration of the admin console: JWT sessions, next-auth's CSRF protection, and two
// ways in — a local password (checked by the service's own password check) and single sign-on
// (a login token handed over by the normal SSO flow). Whether the account may administer is
// decided on every request from the database (require-admin-session.ts), not frozen in the JWT.
import { createHash } from "node:crypto";
import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { consumeLoginToken } from "../auth/login-tokens";
import { validatePasswordSubmission } from "../auth/validate-password";
import { getConfig } from "../config/load-config";
import { MatrixError } from "../matrix/errors";

export const ADMIN_SIGN_IN_PATH = "/admin/sign-in";

let cached: { secret: string; options: AuthOptions } | undefined;

export function adminAuthOptions(): AuthOptions {
  const config = getConfig();
  // next-auth builds its own URLs (callbacks, CSRF) from NEXTAUTH_URL: the public address.
  process.env.NEXTAUTH_URL ??= `${config.public_baseurl}api/auth`;
  if (cached?.secret === config.signingSecret) return cached.options;
  const options: AuthOptions = {
    // A key of its own, derived from the homeserver's signing secret.
    secret: createHash("sha256").update(`admin-console:${config.signingSecret}`).digest("base64url"),
    session: { strategy: "jwt", maxAge: 8 * 3600 },
    pages: { signIn: ADMIN_SIGN_IN_PATH, error: ADMIN_SIGN_IN_PATH },
    providers: [
      CredentialsProvider({
        id: "password",
        name: "Password",
        credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          if (!credentials?.username || !credentials.password) return null;
          try {
            const userId = await validatePasswordSubmission(
              { identifier: { type: "m.id.user", user: credentials.username }, password: credentials.password },
              getConfig(),
            );
            return { id: userId, name: userId };
          } catch (error) {
            if (error instanceof MatrixError) return null;
            throw error;
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
