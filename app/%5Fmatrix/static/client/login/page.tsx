// /_matrix/static/client/login – the Matrix login fallback page (spec: "Login fallback"), for
// clients that cannot do a login flow themselves.
import { getConfig } from "@/lib/config/load-config";
import { FallbackLoginForm } from "./fallback-login-form";

export const dynamic = "force-dynamic";

export default function LoginFallbackPage() {
  const { server_name: serverName } = getConfig();
  return (
    <main className="card">
      <h1>Log in to {serverName}</h1>
      <FallbackLoginForm serverName={serverName} />
    </main>
  );
}
