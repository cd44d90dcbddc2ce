// Who is using the admin console: the signed-in account, checked against the database on every
// request (an admin whose flag was removed, or who was deactivated, loses access at once).
import { getServerSession } from "next-auth";
import { db } from "../db/client";
import { adminAuthOptions } from "./auth-options";

export type AdminSession =
  | { status: "anonymous" }
  | { status: "forbidden"; userId: string }
  | { status: "admin"; userId: string };

export async function currentAdminSession(): Promise<AdminSession> {
  const session = await getServerSession(adminAuthOptions());
  const userId = session?.user?.name;
  if (!userId) return { status: "anonymous" };
  const user = await db().user.findUnique({ where: { userId }, select: { admin: true, deactivated: true } });
  if (!user || user.deactivated || !user.admin) return { status: "forbidden", userId };
  return { status: "admin", userId };
}
