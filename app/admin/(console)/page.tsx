// /admin – the accounts of this server, searchable by ID or display name.
import type { Metadata } from "next";
import Link from "next/link";
import { consoleUserList } from "@/lib/admin/console-data";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users — Admin" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<{ q?: string; from?: string }> }) {
  const { q, from } = await searchParams;
  const offset = Math.max(0, Number(from ?? 0) || 0);
  const { users, total } = await consoleUserList({ from: offset, limit: 50, name: q || undefined });
  return (
    <main className="card wide">
      <h1>Users</h1>
      <form method="get" role="search">
        <label htmlFor="q">Search by user ID or display name</label>
        <input id="q" name="q" type="text" defaultValue={q ?? ""} />
        <button type="submit">Search</button>
      </form>
      <p className="muted">{total} account{total === 1 ? "" : "s"}</p>
      <table className="admin-table">
        <thead>
          <tr><th>User</th><th>Display name</th><th>Status</th><th>Last login</th></tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.userId}>
              <td><Link href={`/admin/users/${encodeURIComponent(user.userId)}`}>{user.userId}</Link></td>
              <td>{user.displayName}</td>
              <td>{user.deactivated ? "deactivated" : user.admin ? "admin" : "active"}</td>
              <td>{user.lastLoginAt?.toISOString().slice(0, 16).replace("T", " ") ?? "never"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {offset + users.length < total ? (
        <Link href={`/admin?${new URLSearchParams({ ...(q ? { q } : {}), from: String(offset + users.length) })}`}>Next page</Link>
      ) : null}
    </main>
  );
}
