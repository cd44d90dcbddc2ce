// The admin console's frame: only signed-in admins get past it. Anonymous visitors go to the
// sign-in page; a signed-in account without the admin flag gets 403. Not the only check: each page
// and loader below checks for itself (lib/admin/require-admin-session.ts says why).
import Link from "next/link";
import type { ReactNode } from "react";
import { requireConsoleAdmin } from "@/lib/admin/require-admin-session";
import { SignOutButton } from "./sign-out-button";

export const dynamic = "force-dynamic";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const adminUserId = await requireConsoleAdmin();
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label="Admin">
        <strong>Admin</strong>
        <Link href="/admin">Users</Link>
        <Link href="/admin/theme">Theme</Link>
        <Link href="/admin/oauth-clients">OAuth clients</Link>
        <span className="admin-who">{adminUserId}</span>
        <SignOutButton />
      </nav>
      {children}
    </div>
  );
}
