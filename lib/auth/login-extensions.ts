// What /login asks of the parts that extend it: the SSO identity providers (for the flows list),
// the SSO mapping provider's extra attributes (for the token-login response), and password auth
// provider modules. Until those parts are configured these answer "nothing".
import type { HomeserverConfig } from "../config/schema";

export interface IdentityProviderSummary {
  id: string;
  name: string;
  icon?: string;
  brand?: string;
}

export const loginExtensions = {
  identityProviders(_config: HomeserverConfig): IdentityProviderSummary[] {
    return [];
  },
  async extraLoginAttributes(_userId: string): Promise<Record<string, unknown> | undefined> {
    return undefined;
  },
  /** A module's check_3pid_auth: the Matrix ID it vouches for, or null. */
  async checkThreepidPassword(_medium: string, _address: string, _password: string): Promise<string | null> {
    return null;
  },
  /** A module's auth_checkers for m.login.password: the Matrix ID it vouches for, or null. */
  async checkPassword(
    _username: string,
    _qualified: string,
    _password: string,
    _body: Record<string, unknown>,
  ): Promise<string | null> {
    return null;
  },
};
