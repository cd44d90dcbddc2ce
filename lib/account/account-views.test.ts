// MSC4191's ?action= values (and MAS's older ones) to the account page's views.
import { describe, expect, it } from "vitest";
import { accountViewOf } from "./account-views";

const view = (query: string) => accountViewOf(new URLSearchParams(query));

describe("accountViewOf", () => {
  it.each([
    ["action=org.matrix.profile", { kind: "profile" }],
    ["action=profile", { kind: "profile" }],
    ["action=org.matrix.devices_list", { kind: "sessions" }],
    ["action=sessions_list", { kind: "sessions" }],
    ["action=org.matrix.sessions_list", { kind: "sessions" }],
    ["action=org.matrix.device_view&device_id=ABC", { kind: "session", deviceId: "ABC" }],
    ["action=session_view&device_id=ABC", { kind: "session", deviceId: "ABC" }],
    ["action=org.matrix.session_view&device_id=ABC", { kind: "session", deviceId: "ABC" }],
    ["action=org.matrix.device_delete&device_id=ABC", { kind: "session_end", deviceId: "ABC" }],
    ["action=session_end&device_id=ABC", { kind: "session_end", deviceId: "ABC" }],
    ["action=org.matrix.account_deactivate", { kind: "deactivate" }],
  ])("%s", (query, expected) => {
    expect(view(query)).toEqual(expected);
  });

  it("lands an unknown action, or none, on the overview (object keys included)", () => {
    for (const query of ["", "action=org.matrix.cross_signing_reset", "action=constructor", "action=__proto__", "action=toString"]) {
      expect(view(query), query).toEqual({ kind: "overview" });
    }
  });

  it("shows the session list for a device action without a device", () => {
    expect(view("action=org.matrix.device_view")).toEqual({ kind: "sessions" });
  });
});
