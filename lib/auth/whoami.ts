// GET /account/whoami: who the access token belongs to.
import type { MatrixRequest } from "../matrix/route";
import { authenticateRequest } from "./access-tokens";

export async function whoAmI({ request }: MatrixRequest): Promise<object> {
  const requester = await authenticateRequest(request);
  return {
    user_id: requester.userId,
    is_guest: false,
    ...(requester.deviceId !== null ? { device_id: requester.deviceId } : {}),
  };
}
