// The device authorization grant (RFC 8628) on oidc-provider's deviceFlow feature: a TV or other
// device without a keyboard gets a device code and a short user code; the person enters the user
// code at /oauth2/device (or opens verification_uri_complete), sees which app asks and from where,
// signs in with any method of the sign-in page (the interaction, ./interaction.ts), allows or
// denies, and the polling device gets its tokens with the device scope it asked for.
//
// User codes: 8 letters of oidc-provider's base-20 alphabet (BCDFGHJKLMNPQRSTVWXZ: no vowels, no
// digits, so no 0/O or 1/I to confuse, and no words), shown as XXXX-XXXX. They last 10 minutes;
// devices poll every 5 seconds (oidc-provider answers slow_down to faster polling).
import { createHash } from "node:crypto";
import { createElement } from "react";
import { htmlResponse } from "../pages/html-response";
import { BoundedCache } from "../sso/bounded-cache";
import { activeTheme } from "../theme/theme-store";
import { ADMIN_SCOPE } from "./scopes";
import { DeviceCodeConfirmView, DeviceCodeInputView, DeviceDoneView } from "./views/device";

/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider ships no type definitions. */
type Ctx = any;

export const DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
export const DEVICE_CODE_TTL_S = 600;
/** RFC 8628 §3.2: the interval when the device authorization response names none. */
const POLL_INTERVAL_MS = 5000;

/** oidc-provider's own forms carry its CSRF value: the pages here render their own fields around it. */
function xsrfOf(form: string): string {
  return /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? "";
}

function actionOf(form: string): string {
  return /action="([^"]*)"/.exec(form)?.[1] ?? "";
}

async function render(ctx: Ctx, response: Response): Promise<void> {
  ctx.status = response.status;
  response.headers.forEach((value, key) => ctx.set(key, value));
  ctx.body = await response.text();
}

/** Why the code was not accepted, in words (oidc-provider's re-render errors, by name). */
function inputError(err: (Error & { userCode?: string }) | undefined): string | undefined {
  if (!err) return undefined;
  switch (err.name) {
    case "NoCodeError":
      return "Enter the code your device shows.";
    case "NotFoundError":
      return "That code is not right. Check it on your device and try again.";
    case "ExpiredError":
      return "That code has expired. Start again on your device to get a new one.";
    case "AlreadyUsedError":
      return "That code was already used. Start again on your device to get a new one.";
    case "AbortedError":
      return "You denied the request: the device was not signed in.";
    default:
      return "Something went wrong. Start again on your device.";
  }
}

function scopeTokensOf(scope: unknown): string[] {
  return typeof scope === "string" ? scope.split(" ") : [];
}

function hostOf(uri: unknown): string | undefined {
  try {
    return typeof uri === "string" ? new URL(uri).host : undefined;
  } catch {
    return undefined;
  }
}

/** oidc-provider's `features.deviceFlow`. */
export function deviceFlowFeature(): Record<string, unknown> {
  return {
    enabled: true,
    charset: "base-20",
    mask: "****-****",
    deviceInfo: (ctx: Ctx) => ({ ip: ctx.ip, ua: ctx.get("user-agent") || undefined }),
    userCodeInputSource: async (ctx: Ctx, form: string, _out: unknown, err?: Error) => {
      const { theme } = await activeTheme();
      const error = inputError(err);
      const status = err && err.name !== "AbortedError" ? 400 : 200;
      await render(ctx, htmlResponse(createElement(DeviceCodeInputView, { theme, action: actionOf(form), xsrf: xsrfOf(form), error }), { status }));
    },
    userCodeConfirmSource: async (ctx: Ctx, form: string, client: any, deviceInfo: { ip?: string; ua?: string } | undefined, userCode: string) => {
      const { theme } = await activeTheme();
      const metadata = typeof client?.metadata === "function" ? client.metadata() : {};
      const clientHost = hostOf(metadata.client_uri);
      await render(
        ctx,
        htmlResponse(
          createElement(DeviceCodeConfirmView, {
            theme,
            action: actionOf(form),
            xsrf: xsrfOf(form),
            userCode,
            clientName: client?.clientName ?? clientHost ?? client?.clientId ?? "An app",
            clientHost,
            requestIp: deviceInfo?.ip,
            requestUserAgent: deviceInfo?.ua,
            // The device authorization request's own parameters (the code's scope is set only once approved).
            admin: scopeTokensOf(ctx.oidc?.entities?.DeviceCode?.params?.scope).includes(ADMIN_SCOPE),
          }),
        ),
      );
    },
    successSource: async (ctx: Ctx) => {
      const { theme } = await activeTheme();
      await render(ctx, htmlResponse(createElement(DeviceDoneView, { theme, clientName: ctx.oidc?.client?.clientName, approved: true })));
    },
  };
}

/**
 * When each pending device code was last polled, and the interval it must keep: oidc-provider
 * answers authorization_pending however fast a device polls, so RFC 8628's slow_down is added
 * here — a poll sooner than the interval is answered slow_down and the interval grows by 5 seconds
 * for that code from then on (§3.5). Kept in this process (bounded); with several worker processes
 * a device's polls may land on different ones and are then only answered authorization_pending.
 */
const polls = new BoundedCache<{ lastAt: number; intervalMs: number }>(10_000);

export function pollVerdict(deviceCode: string, now = Date.now()): "pending" | "slow_down" {
  const key = createHash("sha256").update(deviceCode).digest("base64url");
  const seen = polls.get(key);
  if (!seen) {
    polls.set(key, { lastAt: now, intervalMs: POLL_INTERVAL_MS });
    return "pending";
  }
  if (now - seen.lastAt < seen.intervalMs) {
    polls.set(key, { lastAt: now, intervalMs: seen.intervalMs + 5000 });
    return "slow_down";
  }
  polls.set(key, { lastAt: now, intervalMs: seen.intervalMs });
  return "pending";
}

/** Koa middleware for oidc-provider (provider.use): turns a too-early authorization_pending into slow_down. */
export async function slowDownEarlyPolls(ctx: Ctx, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.oidc?.route !== "token" || ctx.oidc.params?.grant_type !== DEVICE_GRANT_TYPE) return;
  if (ctx.status !== 400 || ctx.body?.error !== "authorization_pending") return;
  const deviceCode = ctx.oidc.params.device_code;
  if (typeof deviceCode === "string" && pollVerdict(deviceCode) === "slow_down") {
    ctx.body = { error: "slow_down", error_description: "you are polling too quickly: wait 5 seconds longer between requests" };
  }
}
