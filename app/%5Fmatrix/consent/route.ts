// GET /_matrix/consent?v=<version> – the privacy policy (user_consent.template_dir)
import { showConsentPolicy } from "@/lib/consent/consent-policy";

export const dynamic = "force-dynamic";
export const GET = showConsentPolicy;
