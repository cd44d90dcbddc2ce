// A plain form, not next-auth's client signOut(): a click before hydration (or with JavaScript
// off) still signs out (lib/admin/sign-out.ts).
export function SignOutButton() {
  return (
    <form method="post" action="/admin/sign-out" className="inline-form">
      <button type="submit" className="link-button">Sign out</button>
    </form>
  );
}
