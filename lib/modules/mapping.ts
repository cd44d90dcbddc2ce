// How the SSO code calls a mapping provider, built-in or custom alike: every call goes through
// these adapters, which check what the module returns, so that the login core can rely on it.
// A malformed answer is an error like any other exception from a module: the person sees
// "Could not extract user attributes from SSO response." and the log says what was wrong.
import { logger } from "../logging/logger";
import type { UserAttributes } from "../sso/mapping/types";
import { isMappingError, isRedirectError } from "./errors";
import type { OidcMappingProvider, OidcTokenSet, OidcUserinfo, SamlMappingProvider, SamlResponse } from "./types";

/** A module returned something the interface does not allow. */
export class ModuleContractError extends Error {
  constructor(module: string, message: string) {
    super(`mapping provider ${module}: ${message}`);
    this.name = "ModuleContractError";
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function optionalString(module: string, attributes: Record<string, unknown>, key: string): string | null {
  const value = attributes[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new ModuleContractError(module, `${key} must be a string or null, got ${typeof value}`);
  return value;
}

function emailList(module: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((email) => typeof email !== "string")) {
    throw new ModuleContractError(module, "emails must be a list of strings");
  }
  return value as string[];
}

/** Checks a mapper's UserAttributes. The localpart is only type-checked: its validity is judged by the login core. */
export function checkUserAttributes(module: string, result: unknown): UserAttributes {
  if (!isPlainObject(result)) throw new ModuleContractError(module, "mapUserAttributes must return an object");
  const confirm = result.confirmLocalpart;
  if (confirm !== undefined && confirm !== null && typeof confirm !== "boolean") {
    throw new ModuleContractError(module, "confirmLocalpart must be a boolean");
  }
  return {
    localpart: optionalString(module, result, "localpart"),
    displayName: optionalString(module, result, "displayName"),
    emails: emailList(module, result.emails),
    picture: optionalString(module, result, "picture"),
    confirmLocalpart: confirm === true,
  };
}

function checkRemoteUserId(module: string, value: unknown): string {
  // Synapse stringifies integer subjects.
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string" || value === "") throw new ModuleContractError(module, "getRemoteUserId must return a non-empty string");
  return value;
}

/** Logs what is not a deliberate MappingError/RedirectError (with its stack), then rethrows it. */
function logUnexpected(module: string, method: string, error: unknown): never {
  if (!isMappingError(error) && !isRedirectError(error)) logger.error(`mapping provider ${module}: ${method} failed`, error);
  throw error;
}

/** The OIDC mapping provider as the OIDC flow uses it. */
export function adaptOidcMapper(module: string, mapper: OidcMappingProvider): OidcMappingProvider {
  const getExtra = mapper.getExtraAttributes;
  return {
    async getRemoteUserId(userinfo: OidcUserinfo): Promise<string> {
      let value: unknown;
      try {
        value = await mapper.getRemoteUserId(userinfo);
      } catch (error) {
        logUnexpected(module, "getRemoteUserId", error);
      }
      try {
        return checkRemoteUserId(module, value);
      } catch (error) {
        logUnexpected(module, "getRemoteUserId", error);
      }
    },
    async mapUserAttributes(userinfo: OidcUserinfo, token: OidcTokenSet, failures: number): Promise<UserAttributes> {
      // Exceptions are judged (and logged) by the login core's callMapper.
      return checkUserAttributes(module, await mapper.mapUserAttributes(userinfo, token, failures));
    },
    ...(typeof getExtra === "function"
      ? {
          /** Never fails the login: a failure or a non-object is logged and gives no extra attributes. */
          async getExtraAttributes(userinfo: OidcUserinfo, token: OidcTokenSet): Promise<Record<string, unknown>> {
            try {
              const extra: unknown = await getExtra.call(mapper, userinfo, token);
              if (extra === undefined || extra === null) return {};
              if (!isPlainObject(extra)) throw new ModuleContractError(module, "getExtraAttributes must return an object");
              // Only JSON survives the trip to the client's /login response.
              return JSON.parse(JSON.stringify(extra)) as Record<string, unknown>;
            } catch (error) {
              logger.error(`mapping provider ${module}: getExtraAttributes failed; continuing without extra attributes`, error);
              return {};
            }
          },
        }
      : {}),
  };
}

/** The SAML mapping provider as a SAML flow will use it: remote ID, and attributes in the core's shape. */
export interface SamlMapper {
  /** The module as configured, for the admin's log. */
  readonly name: string;
  /** The SAML attributes to request: the module's required and optional sets. */
  readonly requiredAttributes: ReadonlySet<string>;
  readonly optionalAttributes: ReadonlySet<string>;
  getRemoteUserId(samlResponse: SamlResponse, clientRedirectUrl: string): Promise<string>;
  /** `samlResponseToUserAttributes`, as the login core's UserAttributes (mxidLocalpart → localpart). */
  mapUserAttributes(samlResponse: SamlResponse, failures: number, clientRedirectUrl: string): Promise<UserAttributes>;
}

export function adaptSamlMapper(
  module: string,
  mapper: SamlMappingProvider,
  attributes: { required: ReadonlySet<string>; optional: ReadonlySet<string> },
): SamlMapper {
  return {
    name: module,
    requiredAttributes: attributes.required,
    optionalAttributes: attributes.optional,
    async getRemoteUserId(samlResponse, clientRedirectUrl) {
      let value: unknown;
      try {
        value = await mapper.getRemoteUserId(samlResponse, clientRedirectUrl);
        return checkRemoteUserId(module, value);
      } catch (error) {
        logUnexpected(module, "getRemoteUserId", error);
      }
    },
    async mapUserAttributes(samlResponse, failures, clientRedirectUrl) {
      const result: unknown = await mapper.samlResponseToUserAttributes(samlResponse, failures, clientRedirectUrl);
      if (!isPlainObject(result)) throw new ModuleContractError(module, "samlResponseToUserAttributes must return an object");
      return {
        localpart: optionalString(module, result, "mxidLocalpart"),
        displayName: optionalString(module, result, "displayName"),
        emails: emailList(module, result.emails),
        picture: null,
        confirmLocalpart: false,
      };
    },
  };
}
