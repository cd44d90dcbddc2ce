// Next.js reads the Next-Router-State-Tree header of an RSC request (header RSC: 1) to a page, and
// one it cannot parse makes it throw and answer 500: a server error for a client's mistake, and
// noise in the error log. server.ts answers such a request 400 before handing it to Next. It is
// checked there rather than in proxy.ts because Next strips these router headers from the request
// its proxy sees. Judged by Next's own parser, so that exactly the headers it would fail on are
// refused.
import type { IncomingHttpHeaders } from "node:http";
import { parseAndValidateFlightRouterState } from "next/dist/server/app-render/parse-and-validate-flight-router-state";

/** True when Next.js would fail on this request's router state header. */
export function hasUnparseableRouterState(headers: IncomingHttpHeaders): boolean {
  const tree = headers["next-router-state-tree"];
  if (tree === undefined || headers.rsc !== "1") return false;
  try {
    parseAndValidateFlightRouterState(tree);
    return false;
  } catch {
    return true;
  }
}
