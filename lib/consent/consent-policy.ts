// GET /_matrix/consent?v=<version> — the privacy policy, as Synapse's ConsentResource shows it to
// anyone (the public view, without the u/h parameters that let a logged-in user agree there):
// `template_dir/en/<version>.html`, rendered as a Jinja-compatible template (nunjucks, autoescaped)
// with Synapse's variables. Only versions that exist as a file are served; the version must be a
// plain name, so it cannot reach outside template_dir.
import { existsSync } from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import { getConfig } from "../config/load-config";
import { logger } from "../logging/logger";
import { htmlDocumentResponse } from "../pages/html-response";
import { CONSENT_LANGUAGE, consentConfigOf } from "./consent-config";

const PLAIN_VERSION = /^[A-Za-z0-9._-]+$/;
const environments = new Map<string, nunjucks.Environment>();

function environmentFor(dir: string): nunjucks.Environment {
  let env = environments.get(dir);
  if (!env) {
    env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir), { autoescape: true });
    environments.set(dir, env);
  }
  return env;
}

const notFound = (message: string) =>
  htmlDocumentResponse(`<!DOCTYPE html><html lang="en"><title>Not found</title><p>${message}</p></html>`, { status: 404 });

export async function showConsentPolicy(request: Request): Promise<Response> {
  const consent = consentConfigOf(getConfig());
  if (!consent) return notFound("There is no privacy policy on this server.");
  const version = new URL(request.url).searchParams.get("v") ?? consent.version;
  if (!PLAIN_VERSION.test(version) || !existsSync(path.join(consent.templateDir, CONSENT_LANGUAGE, `${version}.html`))) {
    return notFound("Unknown policy version");
  }
  try {
    const html = environmentFor(consent.templateDir).render(`${CONSENT_LANGUAGE}/${version}.html`, {
      version,
      user: null,
      userhmac: null,
      has_consented: false,
      public_version: true,
    });
    return htmlDocumentResponse(html);
  } catch (error) {
    logger.error(`user_consent: the policy template ${version} failed to render`, error);
    return htmlDocumentResponse("<!DOCTYPE html><title>Error</title><p>The policy could not be shown.</p>", { status: 500 });
  }
}
