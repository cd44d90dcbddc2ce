// The admin console's frame: only signed-in admins get past it. Anonymous visitors go to the
// sign-in page; a signed-in account without the admin flag gets 403.
import Link from "next/link";
import { forbidden, redirect } from "next/navigation";
import type { ReactNode } from "react";
import { currentAdminSession } from "@/lib/admin/require-admin-session";
import { SignOutButton } from "./sign-out-button";

export const dynamic = "force-dynamic";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const session = await currentAdminSession();
  if (session.status === "anonymous") redirect("/admin/sign-in");
  if (session.status === "forbidden") forbidden();
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label="Admin">
        <strong>Admin</strong>
        <Link href="/admin">Users</Link>
        <Link href="/admin/theme">Theme</Link>
        <span className="admin-who">{session.userId}</span>
        <SignOutButton />
      </nav>
      {children}
    </div>
  );
}
