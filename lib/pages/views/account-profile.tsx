// Whose account a page is about: the display name (or the localpart) over the Matrix ID.
export function AccountProfile({ userId, displayName }: { userId: string; displayName?: string | null }) {
  const localpart = userId.slice(1).split(":")[0];
  return (
    <div className="profile">
      <div>
        <div className="name">{displayName || localpart}</div>
        <div className="muted">{userId}</div>
      </div>
    </div>
  );
}
