// A test OIDC mapping provider whose behaviour the config chooses, recording every call's
// `failures` to a file so that tests can see how often, and how, it was called.
import { appendFileSync } from "node:fs";
import { MappingError, RedirectError, type ModuleConfig, type OidcMappingProvider, type OidcMappingProviderModule, type OidcUserinfo, type UserAttributes } from "../../lib/modules";

type Behaviour = "constant" | "throw" | "mapping-error" | "redirect" | "bad-result";

interface ScriptedConfig {
  behaviour: Behaviour;
  localpart: string | null;
  message: string;
  location: string;
  callsFile: string | null;
  /** Ask the person to confirm the proposed localpart (confirmLocalpart). */
  confirm: boolean;
}

export default class ScriptedMapper implements OidcMappingProvider {
  static parseConfig(config: ModuleConfig): ScriptedConfig {
    const behaviour = config.behaviour as Behaviour;
    if (!["constant", "throw", "mapping-error", "redirect", "bad-result"].includes(behaviour)) throw new Error(`unknown behaviour ${String(behaviour)}`);
    return {
      behaviour,
      localpart: typeof config.localpart === "string" ? config.localpart : null,
      message: typeof config.message === "string" ? config.message : "scripted",
      location: typeof config.location === "string" ? config.location : "https://questions.example/",
      callsFile: typeof config.calls_file === "string" ? config.calls_file : null,
      confirm: config.confirm === true,
    };
  }

  constructor(private readonly config: ScriptedConfig) {}

  getRemoteUserId(userinfo: OidcUserinfo): string {
    return String(userinfo.sub);
  }

  mapUserAttributes(_userinfo: OidcUserinfo, _token: unknown, failures: number): UserAttributes {
    if (this.config.callsFile) appendFileSync(this.config.callsFile, `${failures}\n`);
    switch (this.config.behaviour) {
      case "constant":
        // Ignores `failures` on purpose: always proposes the same name.
        return { localpart: this.config.localpart, displayName: "Scripted", confirmLocalpart: this.config.confirm };
      case "throw":
        throw new TypeError(`scripted failure: ${this.config.message}`);
      case "mapping-error":
        throw new MappingError(this.config.message);
      case "redirect":
        throw new RedirectError(this.config.location, ["scripted_cookie=asked; Path=/; HttpOnly"]);
      case "bad-result":
        return { localpart: 42 } as unknown as UserAttributes;
    }
  }
}

ScriptedMapper satisfies OidcMappingProviderModule<ScriptedConfig>;
