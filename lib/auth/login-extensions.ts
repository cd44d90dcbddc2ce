// What /login asks of password auth provider modules. Until modules are configured these answer
// "nothing".
export const loginExtensions = {
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
