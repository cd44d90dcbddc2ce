// /admin/users/{userId} – one account: external IDs, devices, last login; deactivate, reactivate,
// remove an external-ID link.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { consoleUserDetails } from "@/lib/admin/console-data";
import { removeExternalIdAction, setUserDeactivatedAction } from "../../actions";
import { ConfirmAction } from "../../confirm-action";

export const dynamic = "force-dynamic";
// The title names the account from the URL only: nothing that the page's admin check guards.
export async function generateMetadata({ params }: { params: Promise<{ userId: string }> }): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).userId)} — Users — Admin` };
}

const when = (date: Date | null) => date?.toISOString().slice(0, 16).replace("T", " ") ?? "never";

export default async function UserPage({ params }: { params: Promise<{ userId: string }> }) {
  const user = await consoleUserDetails(decodeURIComponent((await params).userId));
  if (!user) notFound();
  return (
    <main className="card wide">
      <h1>{user.userId}</h1>
      <p>
        <a href={`/admin/users/${encodeURIComponent(user.userId)}/sessions`}>Sessions and sign-in methods</a>
      </p>
      <p>
        {user.displayName ?? "No display name"} · {user.deactivated ? "Deactivated" : "Active"}
        {user.admin ? " · Admin" : ""} · Last login: {when(user.lastLoginAt)} · {user.hasPassword ? "Has a password" : "No password"}
      </p>
      {user.deactivated ? (
        <form action={setUserDeactivatedAction.bind(null, user.userId, false)}>
          <button type="submit" className="button secondary">Reactivate</button>
        </form>
      ) : (
        <ConfirmAction
          label="Deactivate…"
          question={`Deactivate ${user.userId}? Every device is signed out at once and the account can no longer log in.`}
          confirmLabel={`Deactivate ${user.userId}`}
          action={setUserDeactivatedAction.bind(null, user.userId, true)}
        />
      )}

      <h2>External IDs</h2>
      {user.externalIds.length === 0 ? <p className="muted">None.</p> : null}
      <ul>
        {user.externalIds.map((link) => (
          <li key={`${link.authProvider}/${link.externalId}`}>
            {link.authProvider}: {link.externalId}{" "}
            <ConfirmAction
              label="Remove link…"
              labelFor={`Remove ${link.authProvider} link ${link.externalId}`}
              question={`Remove the ${link.authProvider} link? Signing in with ${link.externalId} there will no longer reach this account.`}
              confirmLabel={`Remove ${link.authProvider} link ${link.externalId}`}
              action={removeExternalIdAction.bind(null, user.userId, link.authProvider, link.externalId)}
              inline
            />
          </li>
        ))}
      </ul>

      <h2>Devices</h2>
      {user.devices.length === 0 ? <p className="muted">None.</p> : null}
      <ul>
        {user.devices.map((device) => (
          <li key={device.deviceId}>
            {device.deviceId} {device.displayName ? `(${device.displayName})` : ""} · last seen {when(device.lastSeenAt)}
            {device.lastSeenIp ? ` from ${device.lastSeenIp}` : ""}
          </li>
        ))}
      </ul>

      <h2>Third-party IDs</h2>
      <ul>
        {user.threepids.map((threepid) => (
          <li key={`${threepid.medium}/${threepid.address}`}>{threepid.medium}: {threepid.address}</li>
        ))}
      </ul>
    </main>
  );
}
