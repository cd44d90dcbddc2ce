// The account page (/account, the OAuth metadata's account_management_uri): profile, sessions,
// linked sign-in methods and deactivation, each view reachable by MSC4191's ?action=. Every change
// is a plain form POST carrying the page's CSRF token: no JavaScript needed.
import type { ReactNode } from "react";
import { Document } from "../../pages/views/document";
import type { Theme } from "../../theme/theme-schema";
import type { AccountOverview, AccountSession, LinkedIdentity } from "../account-data";
import type { AccountView as View } from "../account-views";

export interface LinkableProvider {
  id: string;
  name: string;
  iconUrl?: string;
}

export interface AccountViewProps {
  theme: Theme;
  serverName: string;
  overview: AccountOverview;
  view: View;
  csrf: string;
  notice?: { kind: "success" | "error"; text: string };
  /** IdPs a new link can be made at; null when self-service linking is off. */
  linkable: LinkableProvider[] | null;
  maxDisplayNameLength: number;
}

export function formatTime(date: Date | null): string {
  if (!date) return "never";
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function ActionForm({ csrf, op, fields = {}, children, className }: { csrf: string; op: string; fields?: Record<string, string>; children: ReactNode; className?: string }) {
  return (
    <form method="post" action="/account" className={className}>
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="op" value={op} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
    </form>
  );
}

const sessionName = (session: AccountSession) => session.displayName ?? `Session ${session.deviceId}`;
const deviceHref = (action: string, deviceId: string) => `/account?${new URLSearchParams({ action, device_id: deviceId })}`;

function Nav({ view }: { view: View }) {
  const items: [string, string, View["kind"][]][] = [
    ["/account", "Overview", ["overview"]],
    ["/account?action=org.matrix.profile", "Profile", ["profile"]],
    ["/account?action=org.matrix.devices_list", "Sessions", ["sessions", "session", "session_end"]],
  ];
  return (
    <nav aria-label="Account">
      <ul className="account-nav">
        {items.map(([href, label, kinds]) => (
          <li key={href}>
            <a href={href} aria-current={kinds.includes(view.kind) ? "page" : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function ProfileSection({ overview, csrf, maxDisplayNameLength }: { overview: AccountOverview; csrf: string; maxDisplayNameLength: number }) {
  return (
    <section className="account-section" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <p>
        Matrix ID: <strong className="matrix-id" data-testid="matrix-id">{overview.userId}</strong>
      </p>
      <ActionForm csrf={csrf} op="set_display_name">
        <label htmlFor="display_name">Display name</label>
        <input id="display_name" name="display_name" type="text" maxLength={maxDisplayNameLength} defaultValue={overview.displayName ?? ""} autoComplete="name" />
        <button type="submit">Save display name</button>
      </ActionForm>
    </section>
  );
}

function SessionItem({ session, csrf }: { session: AccountSession; csrf: string }) {
  return (
    <li data-testid="session" data-device-id={session.deviceId}>
      <div className="item-head">
        <a className="item-title" href={deviceHref("org.matrix.device_view", session.deviceId)}>
          {sessionName(session)}
        </a>
        <ActionForm csrf={csrf} op="sign_out_device" fields={{ device_id: session.deviceId }} className="inline-actions">
          <button type="submit" className="secondary" aria-label={`Sign out ${sessionName(session)}`}>
            Sign out
          </button>
        </ActionForm>
      </div>
      <p className="item-meta">
        Device {session.deviceId} · created {formatTime(session.createdAt)} · last seen {formatTime(session.lastSeenAt)}
        {session.lastSeenIp ? ` from ${session.lastSeenIp}` : ""}
      </p>
    </li>
  );
}

function SessionsSection({ overview, csrf }: { overview: AccountOverview; csrf: string }) {
  return (
    <section className="account-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      {overview.sessions.length === 0 ? (
        <p className="muted">You are not signed in to any app.</p>
      ) : (
        <>
          <ul className="item-list">
            {overview.sessions.map((session) => (
              <SessionItem key={session.deviceId} session={session} csrf={csrf} />
            ))}
          </ul>
          <ActionForm csrf={csrf} op="sign_out_others">
            <button type="submit" className="secondary">
              Sign out everywhere else
            </button>
          </ActionForm>
        </>
      )}
    </section>
  );
}

function IdentityItem({ identity, csrf }: { identity: LinkedIdentity; csrf: string }) {
  const name = identity.idpName ?? `${identity.idpId} (no longer offered)`;
  return (
    <li data-testid="identity" data-idp={identity.idpId}>
      <div className="item-head">
        <span className="item-title">
          {identity.iconUrl ? <img src={identity.iconUrl} alt="" width={24} height={24} /> : null}
          {name}
        </span>
        <ActionForm csrf={csrf} op="unlink" fields={{ idp: identity.idpId, external_id: identity.externalId }} className="inline-actions">
          <button type="submit" className="secondary" aria-label={`Unlink ${name}`}>
            Unlink
          </button>
        </ActionForm>
      </div>
      <p className="item-meta">
        {identity.externalId} · linked {formatTime(identity.linkedAt)}
      </p>
    </li>
  );
}

function IdentitiesSection({ overview, csrf, linkable }: { overview: AccountOverview; csrf: string; linkable: LinkableProvider[] | null }) {
  return (
    <section className="account-section" aria-labelledby="identities-heading">
      <h2 id="identities-heading">Sign-in methods</h2>
      {overview.canUsePassword ? <p>You can sign in with your password.</p> : null}
      {overview.identities.length === 0 ? (
        <p className="muted">No identity providers are linked to your account.</p>
      ) : (
        <ul className="item-list">
          {overview.identities.map((identity) => (
            <IdentityItem key={`${identity.idpId}\u0000${identity.externalId}`} identity={identity} csrf={csrf} />
          ))}
        </ul>
      )}
      {linkable && linkable.length > 0 ? (
        <>
          <h3>Link another sign-in method</h3>
          <ActionForm csrf={csrf} op="link">
            <ul className="idp-list">
              {linkable.map((provider) => (
                <li key={provider.id}>
                  <button type="submit" name="idp" value={provider.id} className="idp-button">
                    {provider.iconUrl ? <img src={provider.iconUrl} alt="" width={32} height={32} /> : null}
                    <span>Link {provider.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          </ActionForm>
        </>
      ) : null}
    </section>
  );
}

function AllowedAppsSection({ overview, csrf }: { overview: AccountOverview; csrf: string }) {
  if (overview.allowedApps.length === 0) return null;
  return (
    <section className="account-section" aria-labelledby="apps-heading">
      <h2 id="apps-heading">Apps you allowed</h2>
      <p className="muted">These apps sign you in without asking for your permission again.</p>
      <ul className="item-list">
        {overview.allowedApps.map((app) => (
          <li key={app.clientId} data-testid="allowed-app">
            <div className="item-head">
              <span className="item-title">{app.clientName}</span>
              <ActionForm csrf={csrf} op="forget_app" fields={{ client_id: app.clientId }} className="inline-actions">
                <button type="submit" className="secondary" aria-label={`Forget ${app.clientName}`}>
                  Forget
                </button>
              </ActionForm>
            </div>
            <p className="item-meta">
              {app.clientUri ?? app.clientId} · allowed {formatTime(app.allowedAt)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function DangerZone() {
  return (
    <section className="danger-zone" aria-labelledby="danger-heading">
      <h2 id="danger-heading">Deactivate account</h2>
      <p>Deactivating your account signs you out everywhere and cannot be undone.</p>
      <a className="button danger" href="/account?action=org.matrix.account_deactivate">
        Deactivate account…
      </a>
    </section>
  );
}

function SessionView({ overview, csrf, deviceId, confirm }: { overview: AccountOverview; csrf: string; deviceId: string; confirm: boolean }) {
  const session = overview.sessions.find((candidate) => candidate.deviceId === deviceId);
  if (!session) {
    return (
      <section className="account-section">
        <h2>Session not found</h2>
        <p>There is no session {deviceId} on your account: it may have been signed out already.</p>
        <a href="/account?action=org.matrix.devices_list">All sessions</a>
      </section>
    );
  }
  return (
    <section className="account-section" aria-labelledby="session-heading">
      <h2 id="session-heading">{confirm ? `Sign out ${sessionName(session)}?` : sessionName(session)}</h2>
      <dl className="item-meta">
        <dt>Device ID</dt>
        <dd>{session.deviceId}</dd>
        <dt>Created</dt>
        <dd>{formatTime(session.createdAt)}</dd>
        <dt>Last seen</dt>
        <dd>
          {formatTime(session.lastSeenAt)}
          {session.lastSeenIp ? ` from ${session.lastSeenIp}` : ""}
        </dd>
      </dl>
      {confirm ? <p>The app using this session will be signed out and will need to sign in again.</p> : null}
      <ActionForm csrf={csrf} op="sign_out_device" fields={{ device_id: session.deviceId }}>
        <button type="submit" className={confirm ? "danger" : "secondary"}>
          Sign out this session
        </button>
      </ActionForm>
      <p className="secondary-link">
        <a href="/account?action=org.matrix.devices_list">Back to all sessions</a>
      </p>
    </section>
  );
}

function DeactivateView({ overview, csrf }: { overview: AccountOverview; csrf: string }) {
  return (
    <section className="account-section" aria-labelledby="deactivate-heading">
      <h2 id="deactivate-heading">Deactivate your account?</h2>
      <p>
        <strong className="matrix-id">{overview.userId}</strong> will be deactivated: every app signed in to it is signed out, you can no longer
        sign in, and the Matrix ID cannot be used again. This cannot be undone.
      </p>
      <ActionForm csrf={csrf} op="deactivate">
        <label className="checkbox">
          <input type="checkbox" name="confirm" value="yes" required /> I understand that this cannot be undone
        </label>
        <button type="submit" className="danger">
          Deactivate my account
        </button>
      </ActionForm>
      <p className="secondary-link">
        <a href="/account">Keep my account</a>
      </p>
    </section>
  );
}

export function AccountPageView(props: AccountViewProps) {
  const { theme, overview, view, csrf, notice, linkable, maxDisplayNameLength } = props;
  let body: ReactNode;
  switch (view.kind) {
    case "profile":
      body = <ProfileSection overview={overview} csrf={csrf} maxDisplayNameLength={maxDisplayNameLength} />;
      break;
    case "sessions":
      body = <SessionsSection overview={overview} csrf={csrf} />;
      break;
    case "session":
    case "session_end":
      body = <SessionView overview={overview} csrf={csrf} deviceId={view.deviceId} confirm={view.kind === "session_end"} />;
      break;
    case "deactivate":
      body = <DeactivateView overview={overview} csrf={csrf} />;
      break;
    default:
      body = (
        <>
          <ProfileSection overview={overview} csrf={csrf} maxDisplayNameLength={maxDisplayNameLength} />
          <SessionsSection overview={overview} csrf={csrf} />
          <AllowedAppsSection overview={overview} csrf={csrf} />
          <IdentitiesSection overview={overview} csrf={csrf} linkable={linkable} />
          <DangerZone />
        </>
      );
  }
  return (
    <Document title="Your account" theme={theme}>
      <link rel="stylesheet" href="/account.css" />
      <div className="item-head">
        <h1>Your account</h1>
        <ActionForm csrf={csrf} op="sign_out" className="inline-actions">
          <button type="submit" className="secondary">
            Sign out
          </button>
        </ActionForm>
      </div>
      <Nav view={view} />
      {notice ? (
        <p className={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
          {notice.text}
        </p>
      ) : null}
      {body}
    </Document>
  );
}

/** After "Deactivate my account": the browser is signed out, the account is gone. */
export function DeactivatedView({ theme, userId }: { theme: Theme; userId: string }) {
  return (
    <Document title="Account deactivated" theme={theme}>
      <h1>Your account has been deactivated</h1>
      <p>
        <strong className="matrix-id">{userId}</strong> is deactivated and signed out everywhere.
      </p>
    </Document>
  );
}
