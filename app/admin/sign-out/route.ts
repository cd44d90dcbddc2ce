// POST /admin/sign-out – ends the console session (a plain form post: works before hydration)
import { signOutOfConsole } from "@/lib/admin/sign-out";

export const dynamic = "force-dynamic";
export const POST = signOutOfConsole;
