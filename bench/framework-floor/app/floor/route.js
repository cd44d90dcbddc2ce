// The framework's own cost: a Next.js route handler answering fixed JSON, with nothing of ours in
// it. bench/run.ts builds this app and measures it beside the service, as the reference for what
// any endpoint served through Next.js can reach on the machine.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ flows: [{ type: "m.login.password" }] });
}
