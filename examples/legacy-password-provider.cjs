// Example legacy password provider (Synapse's old `password_providers` interface), in plain
// JavaScript (CommonJS): no build step, no TypeScript needed. `checkPassword` receives the full
// Matrix ID; on first successful login the account is created. Use it from homeserver.yaml:
//
//   password_providers:
//     - module: ./examples/legacy-password-provider.cjs
//       config:
//         users:                          # Matrix ID or username → password
//           "@legacy:example.org": old-secret
//
// The JSDoc types below let an editor (or `tsc --checkJs`) check the file against the interface.
// @ts-check
"use strict";

/** @typedef {import("../lib/modules").ModuleApi} ModuleApi */
/** @typedef {import("../lib/modules").LegacyPasswordProvider} LegacyPasswordProviderInterface */

/** @implements {LegacyPasswordProviderInterface} */
class LegacyPasswordProvider {
  /**
   * @param {Record<string, unknown>} config
   * @returns {{ users: Record<string, string> }}
   */
  static parseConfig(config) {
    const users = config.users;
    if (users === null || typeof users !== "object" || Array.isArray(users) || Object.values(users).some((p) => typeof p !== "string")) {
      throw new Error("users must be a mapping of user to password");
    }
    return { users: /** @type {Record<string, string>} */ (users) };
  }

  /**
   * @param {{ users: Record<string, string> }} config
   * @param {ModuleApi} accountHandler
   */
  constructor(config, accountHandler) {
    this.accountHandler = accountHandler;
    /** @type {Map<string, string>} */
    this.users = new Map(Object.entries(config.users).map(([user, password]) => [accountHandler.getQualifiedUserId(user), password]));
  }

  /**
   * @param {string} userId the qualified Matrix ID, e.g. "@legacy:example.org"
   * @param {string} password
   * @returns {Promise<boolean>}
   */
  async checkPassword(userId, password) {
    if (this.users.get(userId) !== password) return false;
    if ((await this.accountHandler.checkUserExists(userId)) === null) {
      await this.accountHandler.registerUser(userId.slice(1, userId.indexOf(":")));
    }
    return true;
  }
}

module.exports = LegacyPasswordProvider;
