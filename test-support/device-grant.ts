// The TV of the device authorization grant tests (RFC 8628; test/account/device-grant.test.ts over
// HTTP, e2e/account-device.spec.ts in Chromium): a public client registered with the device grant,
// and openid-client set up against the server's discovery document, as a real TV app would be.
// No test runner is imported here: Vitest and Playwright files both use it, and a failure is thrown.
import * as oidc from "openid-client";

export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** What a device asks for: the whole Matrix API, on the device ID it chose. */
export const deviceScope = (deviceId: string) => `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`;

export interface DeviceClient {
  clientId: string;
  /** openid-client's configuration for the TV (initiateDeviceAuthorization, pollDeviceAuthorizationGrant…). */
  config: oidc.Configuration;
}

/** Registers "Living Room TV" (the device grant besides the code grant) and discovers the server as the TV. */
export async function registerDeviceClient(base: string): Promise<DeviceClient> {
  const registration = await fetch(`${base}/oauth2/registration`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "Living Room TV",
      client_uri: "https://tv.example/",
      application_type: "native",
      redirect_uris: ["http://127.0.0.1:9/callback"],
      grant_types: ["authorization_code", "refresh_token", DEVICE_GRANT],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
  });
  if (registration.status !== 201) throw new Error(`registering the TV: ${registration.status} ${await registration.text()}`);
  const { client_id: clientId } = (await registration.json()) as { client_id: string };
  return { clientId, config: await discoverAs(base, clientId) };
}

/** openid-client's configuration for a registered client (plain HTTP: the test server has no TLS). */
function discoverAs(base: string, clientId: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(`${base}/`), clientId, { token_endpoint_auth_method: "none" }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

/** One poll of the token endpoint by the TV, raw, so the exact RFC 8628 error is visible. */
export async function pollDeviceCode(base: string, clientId: string, deviceCode: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId }).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
