// The default OIDC mapping provider, Synapse's JinjaOidcMappingProvider (synapse/handlers/oidc.py):
// every user attribute comes from a Jinja template rendered with `user` = the OIDC claims. The
// template language, its sandbox and its Python semantics are in ./jinja/.
import { z } from "zod";
import { configIssueLines } from "../../config/config-issues";
import { ConfigError } from "../../config/load-config";
import { logger } from "../../logging/logger";
import { mapUsernameToLocalpart } from "../../matrix/identifiers";
import { pyStrip } from "./jinja/python-strings";
import { compileJinjaTemplate, type JinjaTemplate } from "./jinja/template";
import { MappingError, type OidcMappingProvider, type OidcTokenSet, type OidcUserinfo, type UserAttributes } from "./types";

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

const optionalTemplateSource = z.string({ error: "must be a string" }).nullish();

/**
 * `user_mapping_provider.config` of the Jinja provider. Output: the template sources, with the
 * legacy `subject_claim` / `picture_claim` turned into templates and the defaults filled in.
 * Unknown keys are accepted (and dropped).
 */
export const jinjaOidcMapperConfigSchema = z.preprocess(
  (raw) => (raw === undefined || raw === null ? {} : raw),
  z
    .looseObject(
      {
        subject_template: optionalTemplateSource,
        subject_claim: z.string({ error: "must be a string" }).nullish(),
        picture_template: optionalTemplateSource,
        picture_claim: z.string({ error: "must be a string" }).nullish(),
        localpart_template: optionalTemplateSource,
        display_name_template: optionalTemplateSource,
        email_template: optionalTemplateSource,
        // Synapse: `config.get("extra_attributes") or {}`, then "must be a dict".
        extra_attributes: z.preprocess(
          (value) => (value === undefined || value === null ? {} : value),
          z.record(z.string(), z.string({ error: "must be a string" }), { error: "must be a dict" }),
        ),
        // Synapse: `config.get("confirm_localpart") or False`, then "must be a bool".
        confirm_localpart: z.preprocess(
          (value) => (value === undefined || value === null || value === 0 || value === "" ? false : value),
          z.boolean({ error: "must be a bool" }),
        ),
      },
      { error: "must be a dict" },
    )
    .transform((config) => ({
      // Synapse: `if not template:` fall back to `{{ user.<claim> }}` (claim default "sub"/"picture").
      subject_template: config.subject_template || `{{ user.${config.subject_claim ?? "sub"} }}`,
      picture_template: config.picture_template || `{{ user.${config.picture_claim ?? "picture"} }}`,
      localpart_template: config.localpart_template ?? undefined,
      display_name_template: config.display_name_template ?? undefined,
      email_template: config.email_template ?? undefined,
      extra_attributes: config.extra_attributes,
      confirm_localpart: config.confirm_localpart,
    })),
);

/** The validated config, template sources only (see `JinjaOidcMappingParsedConfig` for the compiled form). */
export type JinjaOidcMapperConfig = z.output<typeof jinjaOidcMapperConfigSchema>;

/** What `JinjaOidcMappingProvider.parseConfig` returns: every template compiled. */
export interface JinjaOidcMappingParsedConfig {
  config: JinjaOidcMapperConfig;
  subjectTemplate: JinjaTemplate;
  pictureTemplate: JinjaTemplate;
  /** null: no localpart is proposed and the user picks one. */
  localpartTemplate: JinjaTemplate | null;
  displayNameTemplate: JinjaTemplate | null;
  emailTemplate: JinjaTemplate | null;
  extraAttributes: ReadonlyArray<readonly [string, JinjaTemplate]>;
  confirmLocalpart: boolean;
}

const CONFIG_PREFIX = "user_mapping_provider.config";

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

export class JinjaOidcMappingProvider implements OidcMappingProvider {
  /** Validates `user_mapping_provider.config` and compiles every template; throws ConfigError naming the key. */
  static parseConfig(raw: unknown): JinjaOidcMappingParsedConfig {
    const result = jinjaOidcMapperConfigSchema.safeParse(raw);
    if (!result.success) {
      throw new ConfigError(configIssueLines(result.error, { prefix: CONFIG_PREFIX }).join("; "));
    }
    const config = result.data;
    const compile = (source: string, key: string): JinjaTemplate => {
      try {
        return compileJinjaTemplate(source, key);
      } catch (error) {
        const detail = (error as Error).message.replace(/\s+/g, " ").trim();
        throw new ConfigError(`${CONFIG_PREFIX}.${key}: invalid jinja template (${detail})`);
      }
    };
    const optional = (source: string | undefined, key: string) => (source === undefined ? null : compile(source, key));
    return {
      config,
      subjectTemplate: compile(config.subject_template, "subject_template"),
      pictureTemplate: compile(config.picture_template, "picture_template"),
      localpartTemplate: optional(config.localpart_template, "localpart_template"),
      displayNameTemplate: optional(config.display_name_template, "display_name_template"),
      emailTemplate: optional(config.email_template, "email_template"),
      extraAttributes: Object.entries(config.extra_attributes).map(
        ([name, source]) => [name, compile(source, `extra_attributes.${name}`)] as const,
      ),
      confirmLocalpart: config.confirm_localpart,
    };
  }

  constructor(private readonly parsed: JinjaOidcMappingParsedConfig) {}

  getRemoteUserId(userinfo: OidcUserinfo): string {
    let subject: string;
    try {
      subject = pyStrip(this.parsed.subjectTemplate.render({ user: userinfo }));
    } catch (error) {
      logger.warn("OIDC mapping: subject_template failed to render", error);
      throw new MappingError("Failed to extract subject from OIDC response");
    }
    if (!subject) throw new MappingError("Failed to extract subject from OIDC response");
    return subject;
  }

  mapUserAttributes(userinfo: OidcUserinfo, _token: OidcTokenSet, failures: number): UserAttributes {
    const { localpartTemplate, displayNameTemplate, emailTemplate, pictureTemplate, confirmLocalpart } = this.parsed;
    const render = (template: JinjaTemplate | null): string | null => {
      if (!template) return null;
      return pyStrip(template.render({ user: userinfo })) || null;
    };

    let localpart = render(localpartTemplate);
    if (localpart !== null) {
      // Only valid characters in the MXID; then de-duplicate: john, john1, john2...
      localpart = mapUsernameToLocalpart(localpart);
      if (failures > 0) localpart += String(failures);
    }
    const email = render(emailTemplate);
    return {
      localpart,
      displayName: render(displayNameTemplate),
      emails: email === null ? [] : [email],
      picture: render(pictureTemplate),
      confirmLocalpart,
    };
  }

  getExtraAttributes(userinfo: OidcUserinfo, _token: OidcTokenSet): Record<string, unknown> {
    const extras: Array<[string, string]> = [];
    for (const [name, template] of this.parsed.extraAttributes) {
      try {
        extras.push([name, pyStrip(template.render({ user: userinfo }))]);
      } catch (error) {
        // As Synapse: log and skip this value rather than break the login.
        logger.error(`Failed to render OIDC extra attribute ${name}`, error);
      }
    }
    return Object.fromEntries(extras);
  }
}
