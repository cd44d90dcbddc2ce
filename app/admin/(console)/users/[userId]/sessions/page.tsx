// /admin/users/{userId}/sessions – one account's devices (legacy logins and OAuth grants alike),
// browser sessions of the sign-in and account pages, and linked sign-in methods, each revocable.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { findUserSessions } from "@/lib/account/admin-sessions";
import { requireConsoleAdmin } from "@/lib/admin/require-admin-session";
import { ConfirmAction } from "../../../confirm-action";
import { revokeAllSessionsAction, revokeBrowserSessionAction, revokeDeviceAction, unlinkIdentityAction } from "./actions";

export const dynamic = "force-dynamic";
export async function generateMetadata({ params }: { params: Promise<{ userId: string }> }): Promise<Metadata> {
  return { title: `Sessions of ${decodeURIComponent((await params).userId)} — Admin` };
}

const when = (date: Date | null) => (date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "never");

export default async function UserSessionsPage({ params }: { params: Promise<{ userId: string }> }) {
  await requireConsoleAdmin();
  const user = await findUserSessions(decodeURIComponent((await params).userId));
  if (!user) notFound();
  const userPath = `/admin/users/${encodeURIComponent(user.userId)}`;
  return (
    <main className="card wide">
      <p>
        <a href={userPath}>← {user.userId}</a>
      </p>
      <h1>Sessions and sign-in methods</h1>
      <p className="muted">{user.userId}{user.deactivated ? " · Deactivated" : ""}</p>

      <h2>Devices</h2>
      {user.devices.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Created</th>
              <th scope="col">Last seen</th>
              <th scope="col">Signed in with</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {user.devices.map((device) => (
              <tr key={device.deviceId} data-testid="admin-device">
                <td>
                  {device.displayName ?? "Unnamed"} <span className="muted">({device.deviceId})</span>
                </td>
                <td>{when(device.createdAt)}</td>
                <td>
                  {when(device.lastSeenAt)}
                  {device.lastSeenIp ? ` from ${device.lastSeenIp}` : ""}
                </td>
                <td>{device.authProviderId ?? "—"}</td>
                <td>
                  <ConfirmAction
                    label="Sign out…"
                    labelFor={`Sign out device ${device.deviceId}`}
                    question={`Sign out ${device.displayName ?? device.deviceId}? Its access and refresh tokens stop working at once.`}
                    confirmLabel={`Sign out device ${device.deviceId}`}
                    action={revokeDeviceAction.bind(null, user.userId, device.deviceId)}
                    inline
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Browser sessions</h2>
      <p className="muted">Signed in to the account page or an OAuth sign-in in a browser; these are not devices.</p>
      {user.browserSessions.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul>
          {user.browserSessions.map((session) => (
            <li key={session.id} data-testid="admin-browser-session">
              {session.method} · signed in {when(session.createdAt)} · last confirmed {when(session.authenticatedAt)} · ends {when(session.expiresAt)}{" "}
              <ConfirmAction
                label="End…"
                labelFor={`End browser session ${session.id}`}
                question="End this browser session? The browser is signed out of the account page."
                confirmLabel={`End browser session ${session.id}`}
                action={revokeBrowserSessionAction.bind(null, user.userId, session.id)}
                inline
              />
            </li>
          ))}
        </ul>
      )}

      {user.devices.length + user.browserSessions.length > 0 ? (
        <ConfirmAction
          label="Sign out everywhere…"
          question={`Sign ${user.userId} out of every device and browser session?`}
          confirmLabel={`Sign ${user.userId} out everywhere`}
          action={revokeAllSessionsAction.bind(null, user.userId)}
        />
      ) : null}

      <h2>Linked sign-in methods</h2>
      {user.identities.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul>
          {user.identities.map((identity) => (
            <li key={`${identity.idpId}/${identity.externalId}`} data-testid="admin-identity">
              {identity.idpName ?? `${identity.idpId} (no longer configured)`}: {identity.externalId} · linked {when(identity.linkedAt)}{" "}
              <ConfirmAction
                label="Unlink…"
                labelFor={`Unlink ${identity.idpId} ${identity.externalId}`}
                question={`Unlink ${identity.externalId} at ${identity.idpName ?? identity.idpId}? Signing in there will no longer reach this account.`}
                confirmLabel={`Unlink ${identity.idpId} ${identity.externalId}`}
                action={unlinkIdentityAction.bind(null, user.userId, identity.idpId, identity.externalId)}
                inline
              />
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
