// /api/auth/* – next-auth's endpoints for the admin console (sign-in, CSRF token, session, sign-out)
import NextAuth from "next-auth";
import { adminAuthOptions } from "@/lib/admin/auth-options";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

async function handle(request: Request, context: Context) {
  return NextAuth(request as never, context as never, adminAuthOptions());
}

export { handle as GET, handle as POST };
