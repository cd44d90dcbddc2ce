// The device authorization grant's pages (RFC 8628, /oauth2/device): enter the code a TV or other
// keyboard-less device shows, see which app asks and from where, then continue or deny; and the
// end page. Plain forms posting to oidc-provider's code verification endpoint: no script needed.
import { Document } from "../../pages/views/document";
import type { Theme } from "../../theme/theme-schema";

export interface DeviceCodeInputProps {
  theme: Theme;
  action: string;
  xsrf: string;
  error?: string;
}

export function DeviceCodeInputView({ theme, action, xsrf, error }: DeviceCodeInputProps) {
  return (
    <Document title="Connect a device" theme={theme}>
      <h1>Connect a device</h1>
      <p>Enter the code your device shows to sign it in to your account.</p>
      {error ? (
        <p className="message error" role="alert">
          {error}
        </p>
      ) : null}
      <form method="post" action={action}>
        <input type="hidden" name="xsrf" value={xsrf} />
        <label htmlFor="user_code">Code</label>
        <input id="user_code" name="user_code" type="text" autoComplete="off" autoCapitalize="characters" spellCheck={false} required placeholder="ABCD-EFGH" />
        <button type="submit">Continue</button>
      </form>
    </Document>
  );
}

export interface DeviceCodeConfirmProps {
  theme: Theme;
  action: string;
  xsrf: string;
  userCode: string;
  clientName: string;
  clientHost?: string;
  /** Where the device asked from, as the device authorization request came in. */
  requestIp?: string;
  requestUserAgent?: string;
  /** The device code asks for urn:synapse:admin:*: said here, before the person goes on. */
  admin?: boolean;
}

export function DeviceCodeConfirmView(props: DeviceCodeConfirmProps) {
  const { theme, action, xsrf, userCode, clientName, clientHost, requestIp, requestUserAgent, admin } = props;
  return (
    <Document title={`Sign in ${clientName}?`} theme={theme}>
      <h1>Sign in {clientName} on another device?</h1>
      <p>
        <strong>{clientName}</strong>
        {clientHost ? ` (${clientHost})` : ""} asks to sign in to your account on a device that shows this code:
      </p>
      <p className="user-code">
        <code data-testid="user-code">{userCode}</code>
      </p>
      {requestIp || requestUserAgent ? (
        <p className="muted" data-testid="device-origin">
          The request came from {requestIp ? `the address ${requestIp}` : "an unknown address"}
          {requestUserAgent ? `, ${requestUserAgent}` : ""}.
        </p>
      ) : null}
      {admin ? (
        <p data-testid="admin-scope">
          <strong>It also asks to administer this server with your administrator rights.</strong>
        </p>
      ) : null}
      <p>Continue only if you started this on your own device and it shows the same code. Otherwise, deny.</p>
      <form method="post" action={action}>
        <input type="hidden" name="xsrf" value={xsrf} />
        <input type="hidden" name="user_code" value={userCode} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">Continue</button>
        <button type="submit" name="abort" value="yes" className="button secondary">
          Deny
        </button>
      </form>
    </Document>
  );
}

export function DeviceDoneView({ theme, clientName, approved }: { theme: Theme; clientName?: string; approved: boolean }) {
  return (
    <Document title={approved ? "Device connected" : "Device not connected"} theme={theme}>
      <h1>{approved ? "Device connected" : "Device not connected"}</h1>
      <p>
        {approved
          ? `${clientName ?? "The app"} is signing in on your device. You can close this page.`
          : "Nothing was signed in. You can close this page."}
      </p>
    </Document>
  );
}
