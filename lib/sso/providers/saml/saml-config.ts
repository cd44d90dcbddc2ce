// saml2_config with Synapse's keys: the pysaml2-style `sp_config` (IdP
// metadata, SP entity ID, keys, clock skew, unsolicited responses) and Synapse's own keys around it.
// The mapping provider (`user_mapping_provider`) is loaded by lib/modules, not here.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../../../config/load-config";
import { parseDuration } from "../../../config/duration";
import type { HomeserverConfig } from "../../../config/schema";
import { samlEnabled } from "../../../modules/load";
import { attributeRequirementSchema, idpBrandSchema, idpIconSchema, invalidSsoConfig, type AttributeRequirement } from "../../config";

export const SAML_IDP_ID = "saml";
export const SAML_METADATA_PATH = "_synapse/client/saml2/metadata.xml";
export const SAML_ACS_PATH = "_synapse/client/saml2/authn_response";

const keyPairSchema = z.object({ key_file: z.string().min(1), cert_file: z.string().min(1) }).passthrough();

const spConfigSchema = z
  .object({
    entityid: z.string().min(1).optional(),
    metadata: z
      .object({
        inline: z.array(z.string().min(1)).default([]),
        local: z.array(z.string().min(1)).default([]),
        remote: z.array(z.object({ url: z.string().url() }).passthrough()).default([]),
      })
      .passthrough()
      .default({ inline: [], local: [], remote: [] }),
    key_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    encryption_keypairs: z.array(keyPairSchema).default([]),
    /** Seconds of clock difference accepted in the response's time conditions (pysaml2's key). */
    accepted_time_diff: z.number().int().min(0).default(0),
    service: z
      .object({
        sp: z
          .object({
            allow_unsolicited: z.boolean().default(false),
            want_response_signed: z.boolean().default(false),
            want_assertions_signed: z.boolean().default(true),
          })
          .passthrough()
          .default({ allow_unsolicited: false, want_response_signed: false, want_assertions_signed: true }),
      })
      .passthrough()
      .default({ sp: { allow_unsolicited: false, want_response_signed: false, want_assertions_signed: true } }),
  })
  .passthrough();

const samlSectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    sp_config: spConfigSchema,
    idp_entityid: z.string().min(1).optional(),
    idp_name: z.string().min(1).default("SAML"),
    idp_icon: idpIconSchema.optional(),
    idp_brand: idpBrandSchema.optional(),
    attribute_requirements: z.array(attributeRequirementSchema).default([]),
    grandfathered_mxid_source_attribute: z.string().min(1).nullable().default("uid"),
    saml_session_lifetime: z.union([z.string(), z.number()]).default("15m"),
  })
  .passthrough();

export interface SamlKeyPair {
  key: string;
  cert: string;
}

export interface SamlConfig {
  spEntityId: string;
  acsUrl: string;
  metadataUrl: string;
  /** IdP metadata documents given inline or as local files (read at start-up). */
  metadataDocuments: string[];
  /** Remote metadata URLs, fetched on first use and cached. */
  metadataUrls: string[];
  idpEntityId?: string;
  idpName: string;
  idpIcon?: string;
  idpBrand?: string;
  signing?: SamlKeyPair;
  encryption: SamlKeyPair[];
  acceptedTimeDiffMs: number;
  allowUnsolicited: boolean;
  wantResponseSigned: boolean;
  wantAssertionsSigned: boolean;
  attributeRequirements: AttributeRequirement[];
  grandfatheredAttribute: string | null;
  sessionLifetimeMs: number;
}

function readConfigFile(configDir: string, file: string, key: string): string {
  try {
    return readFileSync(path.resolve(configDir, file), "utf8");
  } catch (error) {
    throw new ConfigError(`${key}: cannot read ${file}: ${(error as Error).message}`);
  }
}

export function parseSamlConfig(config: HomeserverConfig): SamlConfig | null {
  if (!samlEnabled(config)) return null;
  const result = samlSectionSchema.safeParse(config.saml2_config);
  if (!result.success) {
    throw invalidSsoConfig(result.error, "saml2_config");
  }
  const saml = result.data;
  const sp = saml.sp_config;
  const dir = config.configDir;
  const metadataUrl = `${config.public_baseurl}${SAML_METADATA_PATH}`;
  const documents = [
    ...sp.metadata.inline,
    ...sp.metadata.local.map((file, index) => readConfigFile(dir, file, `saml2_config.sp_config.metadata.local.${index}`)),
  ];
  if (documents.length === 0 && sp.metadata.remote.length === 0) {
    throw new ConfigError("saml2_config.sp_config.metadata: give the IdP metadata as inline, local or remote");
  }
  if ((sp.key_file === undefined) !== (sp.cert_file === undefined)) {
    throw new ConfigError("saml2_config.sp_config: key_file and cert_file go together");
  }
  let sessionLifetimeMs: number;
  try {
    sessionLifetimeMs = parseDuration(saml.saml_session_lifetime);
  } catch (error) {
    throw new ConfigError(`saml2_config.saml_session_lifetime: ${(error as Error).message}`);
  }
  return {
    spEntityId: sp.entityid ?? metadataUrl,
    acsUrl: `${config.public_baseurl}${SAML_ACS_PATH}`,
    metadataUrl,
    metadataDocuments: documents,
    metadataUrls: sp.metadata.remote.map((entry) => entry.url),
    idpEntityId: saml.idp_entityid,
    idpName: saml.idp_name,
    idpIcon: saml.idp_icon,
    idpBrand: saml.idp_brand,
    signing:
      sp.key_file && sp.cert_file
        ? {
            key: readConfigFile(dir, sp.key_file, "saml2_config.sp_config.key_file"),
            cert: readConfigFile(dir, sp.cert_file, "saml2_config.sp_config.cert_file"),
          }
        : undefined,
    encryption: sp.encryption_keypairs.map((pair, index) => ({
      key: readConfigFile(dir, pair.key_file, `saml2_config.sp_config.encryption_keypairs.${index}.key_file`),
      cert: readConfigFile(dir, pair.cert_file, `saml2_config.sp_config.encryption_keypairs.${index}.cert_file`),
    })),
    acceptedTimeDiffMs: sp.accepted_time_diff * 1000,
    allowUnsolicited: sp.service.sp.allow_unsolicited,
    wantResponseSigned: sp.service.sp.want_response_signed,
    wantAssertionsSigned: sp.service.sp.want_assertions_signed,
    attributeRequirements: saml.attribute_requirements,
    grandfatheredAttribute: saml.grandfathered_mxid_source_attribute,
    sessionLifetimeMs,
  };
}
