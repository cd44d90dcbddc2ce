// The wrapper of every browser-facing SSO endpoint: failures end on the SSO error page with the
// right status; nothing unexpected is shown to the person beyond a generic sentence.
import { logger } from "../logging/logger";
import { MatrixError } from "../matrix/errors";
import { SsoError, ssoErrorResponse } from "./sso-error";

type Handler = (request: Request) => Promise<Response>;

export function ssoRoute(handler: Handler): Handler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof SsoError) return await ssoErrorResponse(error);
      if (error instanceof MatrixError) {
        return await ssoErrorResponse(new SsoError(error.errcode, error.message, error.status));
      }
      logger.error(`unexpected error on ${new URL(request.url).pathname}`, error);
      return ssoErrorResponse(new SsoError("server_error", "Something went wrong on the server. Please try again.", 500));
    }
  };
}
