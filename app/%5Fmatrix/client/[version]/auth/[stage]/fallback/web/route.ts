// GET /_matrix/client/{r0,v3}/auth/{stage}/fallback/web?session= – the page that completes a UI-auth stage
// POST /_matrix/client/{r0,v3}/auth/m.login.password/fallback/web?session= – its password form
import { showFallback, submitFallback } from "@/lib/auth/ui-auth/fallback";
import { unrecognized } from "@/lib/matrix/errors";
import { errorResponse } from "@/lib/matrix/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ version: string; stage: string }> };

async function stageOf(context: Context): Promise<string | null> {
  const { version, stage } = await context.params;
  return version === "r0" || version === "v3" ? decodeURIComponent(stage) : null;
}

export async function GET(request: Request, context: Context) {
  const stage = await stageOf(context);
  return stage === null ? errorResponse(unrecognized()) : showFallback(request, stage);
}

export async function POST(request: Request, context: Context) {
  const stage = await stageOf(context);
  return stage === null ? errorResponse(unrecognized()) : submitFallback(request, stage);
}
