// A tiny loopback HTTP load balancer for multi-instance tests: every request (not every
// connection, so keep-alive cannot pin a client to one backend) goes to the next backend in turn.
// Headers pass through unchanged — Host stays the balancer's address, which is the instances'
// public_baseurl — and the log says which backend answered each request.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobin {
  url: string;
  port: number;
  /** For each request so far: its method and path, and the index of the backend that served it. */
  log: { method: string; path: string; backend: number; status: number }[];
  /** Sends the next requests to the given backend only (null: back to round-robin). */
  pin(backend: number | null): void;
  close(): Promise<void>;
}

export async function startRoundRobin(backends: string[], port = 0): Promise<RoundRobin> {
  let next = 0;
  let pinned: number | null = null;
  const log: RoundRobin["log"] = [];
  const agent = new http.Agent({ keepAlive: false });

  const server = http.createServer((request, response) => {
    const index = pinned ?? next++ % backends.length;
    const target = new URL(backends[index]);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        log.push({ method: request.method ?? "GET", path: request.url ?? "", backend: index, status: answer.statusCode ?? 0 });
        response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => {
      log.push({ method: request.method ?? "GET", path: request.url ?? "", backend: index, status: 502 });
      if (!response.headersSent) response.writeHead(502, { "Content-Type": "text/plain" });
      response.end("bad gateway");
    });
    request.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    log,
    pin: (backend) => {
      pinned = backend;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
