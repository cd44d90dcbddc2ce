// Synapse's `user_consent` section, the part the login side acts on: the privacy policy served at
// /_matrix/consent from `template_dir/<lang>/<version>.html`, and `require_at_registration`, which
// puts the consent step (sso_new_user_consent.html) before an SSO account is created. The other keys
// (server notices, block_events_error, …) concern the rest of a homeserver and are accepted as is.
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { configIssueLines } from "../config/config-issues";
import { ConfigError } from "../config/load-config";
import { perConfig } from "../config/per-config";
import type { HomeserverConfig } from "../config/schema";

/** Synapse serves the policy in its default language only. */
export const CONSENT_LANGUAGE = "en";

const consentSchema = z
  .object({
    template_dir: z.string().min(1),
    version: z.string().regex(/^[A-Za-z0-9._-]+$/, "must be a plain version name (letters, digits, '.', '_', '-')"),
    policy_name: z.string().default("Privacy Policy"),
    require_at_registration: z.boolean().default(false),
  })
  .passthrough();

export interface ConsentConfig {
  templateDir: string;
  version: string;
  policyName: string;
  requireAtRegistration: boolean;
}

/** The parsed section, or null without one. Throws a ConfigError naming the key (checked at start-up). */
export const consentConfigOf = perConfig((config: HomeserverConfig): ConsentConfig | null => {
  const raw = (config as { user_consent?: unknown }).user_consent;
  if (raw === undefined || raw === null) return null;
  const parsed = consentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(configIssueLines(parsed.error, { prefix: "user_consent", firstOnly: true })[0]);
  }
  const templateDir = path.resolve(config.configDir, parsed.data.template_dir);
  const policy = path.join(templateDir, CONSENT_LANGUAGE, `${parsed.data.version}.html`);
  if (!existsSync(policy)) throw new ConfigError(`user_consent.template_dir: the policy of version ${parsed.data.version} is not at ${policy}`);
  return {
    templateDir,
    version: parsed.data.version,
    policyName: parsed.data.policy_name,
    requireAtRegistration: parsed.data.require_at_registration,
  };
});

/** True when a new SSO account must agree to the policy before it is created. */
export function consentRequiredAtRegistration(config: HomeserverConfig): boolean {
  return consentConfigOf(config)?.requireAtRegistration ?? false;
}

/** The policy's address, relative as Synapse gives it to the consent page. */
export function termsUrlOf(consent: ConsentConfig): string {
  return `/_matrix/consent?v=${encodeURIComponent(consent.version)}`;
}
