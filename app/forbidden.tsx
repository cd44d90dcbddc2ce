// 403: signed in, but not allowed here (the admin console for an account without the admin flag).
import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="card">
      <h1>Not allowed</h1>
      <p>This account is not an administrator of this server.</p>
      <Link href="/api/auth/signout">Sign in as someone else</Link>
    </main>
  );
}
