// /admin/oauth-clients – the registered OAuth 2.0 clients: name, URIs, when registered, and their
// sessions (whose, which device), each session revocable, and the client removable.
import type { Metadata } from "next";
import { requireConsoleAdmin } from "@/lib/admin/require-admin-session";
import { listOAuthClients } from "@/lib/oauth/admin-clients";
import { ConfirmAction } from "../confirm-action";
import { removeOAuthClientAction, revokeOAuthSessionAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "OAuth clients — Admin" };

const when = (date: Date) => `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;

export default async function OAuthClientsPage() {
  await requireConsoleAdmin();
  const clients = await listOAuthClients();
  return (
    <main className="card wide">
      <h1>OAuth clients</h1>
      {clients.length === 0 ? <p className="muted">No app has registered yet.</p> : null}
      {clients.map((client) => {
        const name = client.clientName ?? client.clientUri ?? client.clientId;
        return (
          <section key={client.clientId} data-testid="oauth-client" aria-labelledby={`client-${client.clientId}`}>
            <h2 id={`client-${client.clientId}`}>{name}</h2>
            <p className="muted">
              {client.clientId} · registered {when(client.registeredAt)} · {client.grantTypes.join(", ") || "authorization_code"}
            </p>
            <p>
              {client.clientUri ? <>Site: {client.clientUri}<br /></> : null}
              Redirect URIs: {client.redirectUris.join(", ") || "none"}
            </p>
            <h3>Sessions ({client.sessions.length})</h3>
            {client.sessions.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul>
                {client.sessions.map((session) => (
                  <li key={session.grantId} data-testid="oauth-session">
                    {session.userId ?? "unknown user"}
                    {session.deviceId ? ` · device ${session.deviceId}` : ""} · since {when(session.createdAt)}{" "}
                    <ConfirmAction
                      label="Revoke…"
                      labelFor={`Revoke ${name} session of ${session.userId ?? "unknown user"} ${session.deviceId ?? ""}`.trim()}
                      question={`End this session of ${name}? Its tokens stop working and its device is signed out.`}
                      confirmLabel={`Revoke session ${session.deviceId ?? session.grantId}`}
                      action={revokeOAuthSessionAction.bind(null, session.grantId)}
                      inline
                    />
                  </li>
                ))}
              </ul>
            )}
            <ConfirmAction
              label="Remove client…"
              labelFor={`Remove ${name}`}
              question={`Remove ${name}? All its sessions end and it has to register again.`}
              confirmLabel={`Remove ${name}`}
              action={removeOAuthClientAction.bind(null, client.clientId)}
            />
          </section>
        );
      })}
    </main>
  );
}
