// MSC4191's account management actions as the account page's views, with the older values MAS
// accepts: the unprefixed ones and the prefixed names of MSC4191's earlier drafts (sessions_list,
// session_view, session_end), which clients still send and the OAuth metadata advertises.
export type AccountView =
  | { kind: "overview" }
  | { kind: "profile" }
  | { kind: "sessions" }
  | { kind: "session"; deviceId: string }
  | { kind: "session_end"; deviceId: string }
  | { kind: "deactivate" };

const ACTIONS: Record<string, "profile" | "sessions" | "session" | "session_end" | "deactivate"> = {
  "org.matrix.profile": "profile",
  profile: "profile",
  "org.matrix.devices_list": "sessions",
  sessions_list: "sessions",
  "org.matrix.sessions_list": "sessions",
  "org.matrix.device_view": "session",
  session_view: "session",
  "org.matrix.session_view": "session",
  "org.matrix.device_delete": "session_end",
  session_end: "session_end",
  "org.matrix.session_end": "session_end",
  "org.matrix.account_deactivate": "deactivate",
};

/** The view a query asks for; an unknown action (or a device action without a device) lands on the overview or the list. */
export function accountViewOf(query: URLSearchParams): AccountView {
  const action = query.get("action") ?? "";
  const kind = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (kind === "session" || kind === "session_end") {
    const deviceId = query.get("device_id");
    return deviceId ? { kind, deviceId } : { kind: "sessions" };
  }
  return kind ? { kind } : { kind: "overview" };
}
