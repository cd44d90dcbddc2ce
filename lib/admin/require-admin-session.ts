// Who is using the admin console: the signed-in account, checked against the database on every
// request (an admin whose flag was removed, or who was deactivated, loses access at once).
//
// Every console page, data loader and server action calls one of the require* functions below
// itself. The console's layout checks too, but a layout is not a gate: Next.js renders a page
// segment without its layout when the request says the browser already holds the layout (an RSC
// request with a Next-Router-State-Tree header), so a check there alone lets page data out.
import { getServerSession } from "next-auth";
import { forbidden, redirect } from "next/navigation";
import { db } from "../db/client";
import { ADMIN_SIGN_IN_PATH, adminAuthOptions } from "./auth-options";

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

/**
 * For console pages and their data: the signed-in admin's user ID. Anyone else never gets past
 * this call: anonymous visitors are sent to the sign-in page, other accounts get 403.
 */
export async function requireConsoleAdmin(): Promise<string> {
  const session = await currentAdminSession();
  if (session.status === "anonymous") redirect(ADMIN_SIGN_IN_PATH);
  if (session.status === "forbidden") forbidden();
  return session.userId;
}

/**
 * For server actions: the signed-in admin's user ID, or a plain 403 for anyone else (an action is
 * not a page to send someone to the sign-in page from).
 */
export async function requireAdminForAction(): Promise<string> {
  const session = await currentAdminSession();
  if (session.status !== "admin") forbidden();
  return session.userId;
}
