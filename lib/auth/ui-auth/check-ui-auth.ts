// User-interactive authentication for sensitive operations (Synapse's AuthHandler.check_ui_auth /
// validate_user_via_ui_auth). An operation calls requireUiAuth with the
// request; it returns once the requester has proved who they are for exactly this request, and
// otherwise throws the 401 that tells the client which stages remain.
import { getConfig } from "../../config/load-config";
import { isMatrixError, MatrixError, MatrixResponseError } from "../../matrix/errors";
import { parseMatrixBody } from "../../matrix/request-body";
import { uiAuthBodySchema } from "../../matrix/request-bodies";
import type { Requester } from "../access-tokens";
import { validatePasswordSubmission } from "../validate-password";
import { availableStages, PASSWORD_STAGE } from "./flows";
import { markTokenValidated, validatedWithin } from "./session-timeout";
import {
  consumeUiAuthSession,
  createUiAuthSession,
  findUiAuthSession,
  recordCompletedStage,
  requestDigest,
  type UiAuthSession,
} from "./sessions";

export interface UiAuthRequest {
  requester: Requester;
  method: string;
  /** The path of the operation, e.g. /_matrix/client/v3/devices/ABC. */
  uri: string;
  /** The parsed body, including `auth`. */
  body: Record<string, unknown>;
  /** What the user is asked to confirm, e.g. "remove a device from your account". */
  description: string;
  /**
   * Synapse's can_skip_ui_auth: within ui_auth.session_timeout of the token's last validation the
   * operation needs no new prompt (lib/auth/ui-auth/session-timeout.ts). Synapse sets it for device
   * deletion only.
   */
  canSkipUiAuth?: boolean;
}

/** Deeper request bodies are refused: a UI-auth session digests the body, recursively. */
export const MAX_BODY_NESTING = 64;

/** How deeply a parsed JSON value nests, counted without recursion (so any depth is measured safely). */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_BODY_NESTING) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function withoutAuth(body: Record<string, unknown>): Record<string, unknown> {
  const { auth: _auth, ...rest } = body;
  return rest;
}

async function incomplete(session: UiAuthSession, stages: string[], failure?: MatrixError): Promise<never> {
  throw new MatrixResponseError(401, {
    ...(failure ? { errcode: failure.errcode, error: failure.message } : {}),
    session: session.id,
    flows: stages.map((stage) => ({ stages: [stage] })),
    params: {},
    completed: Object.keys(session.completed),
  });
}

export async function requireUiAuth({ requester, method, uri, body, description, canSkipUiAuth = false }: UiAuthRequest): Promise<void> {
  const config = getConfig();
  if (canSkipUiAuth && (await validatedWithin(requester.tokenId, config.ui_auth.session_timeout))) return;
  if (nestingDepth(body) > MAX_BODY_NESTING) throw new MatrixError("M_BAD_JSON", "Request body is nested too deeply");
  const stages = await availableStages(requester.userId, config);
  const submission = parseMatrixBody(uiAuthBodySchema, body).auth;
  const digest = requestDigest(method, uri, withoutAuth(body));

  let session: UiAuthSession;
  if (typeof submission?.session === "string") {
    const found = await findUiAuthSession(submission.session);
    if (!found || found.userId !== requester.userId) throw new MatrixError("M_UNKNOWN", `Unknown session ID: ${submission.session}`);
    // A session authorises the one request it was created for (Synapse lets the body change; we don't).
    if (found.requestDigest !== digest) {
      throw new MatrixError("M_FORBIDDEN", "Requested operation has changed during the UI authentication session.");
    }
    session = found;
  } else {
    session = await createUiAuthSession({ userId: requester.userId, requestDigest: digest, description });
  }

  if (typeof submission?.type === "string") {
    const failure = await runStage(submission, session, stages, requester);
    if (failure) return incomplete(session, stages, failure);
    session = (await findUiAuthSession(session.id)) ?? session;
  } else if (submission === undefined || submission.session === undefined) {
    return incomplete(session, stages);
  }

  const done = stages.find((stage) => stage in session.completed);
  if (!done) return incomplete(session, stages);
  // Every completed stage must have proved the requester, not someone else.
  if (Object.values(session.completed).some((userId) => userId !== requester.userId)) {
    throw new MatrixError("M_FORBIDDEN", "Invalid auth");
  }
  if (!(await consumeUiAuthSession(session.id))) throw new MatrixError("M_UNKNOWN", `Unknown session ID: ${session.id}`);
  await markTokenValidated(requester.tokenId);
}

const REFUSED_OUTRIGHT = new Set(["M_LIMIT_EXCEEDED", "M_INVALID_PARAM", "M_MISSING_PARAM", "M_BAD_JSON"]);

/** Runs a submitted stage; a failure is returned (the session stays usable), not thrown. */
async function runStage(
  submission: Record<string, unknown>,
  session: UiAuthSession,
  stages: string[],
  requester: Requester,
): Promise<MatrixError | null> {
  const type = submission.type as string;
  if (!stages.includes(type)) return new MatrixError("M_UNKNOWN", `Unrecognised login type: ${type}`);
  if (type !== PASSWORD_STAGE) {
    // m.login.sso is completed through its fallback page, never by a submission.
    return new MatrixError("M_UNKNOWN", `Stage ${type} is completed through its fallback page`);
  }
  try {
    const userId = await validatePasswordSubmission(submission, getConfig());
    if (userId !== requester.userId) return new MatrixError("M_FORBIDDEN", "Invalid auth");
    await recordCompletedStage(session.id, PASSWORD_STAGE, userId);
    return null;
  } catch (error) {
    // As Synapse's check_ui_auth, a failed check (its LoginError) goes back in the 401 so the client
    // can try again; a malformed submission (e.g. a NUL character in the user, refused by
    // lib/db/client.ts) and rate limiting are answered as errors of their own.
    if (isMatrixError(error) && !REFUSED_OUTRIGHT.has(error.errcode)) return error;
    throw error;
  }
}
