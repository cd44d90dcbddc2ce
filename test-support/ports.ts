// Ports for the servers tests start (test-support/server.ts's freePort). Asking the kernel for a free
// port (listen on 0, close, hand the number out) left a gap until the server listened, and in it the
// port could be taken: by another test process's listen(0) (vitest runs two files at once, and other
// runs share the machine), or as the local port of any outgoing connection, since both come from the
// kernel's ephemeral range (test/sso-saml.test.ts failed with EADDRINUSE). So ports come from below
// the ephemeral range, where the kernel hands out none, and each is reserved machine-wide for the
// process that got it by creating a file named after it (O_EXCL), kept until that process exits; a
// file left by a process that is gone is taken over. A port something else listens on is skipped.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const RESERVATIONS = path.join(os.tmpdir(), "hs-test-ports");
const RANGE_SIZE = 8000;

/** [first, last] of the ports handed out: the RANGE_SIZE ports just below the ephemeral range. */
function portRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // not Linux: its default range starts at 49152 or 32768; below 32768 is outside either
  }
  const last = Math.min(ephemeralLow, 32768) - 1;
  return [Math.max(1024, last - RANGE_SIZE + 1), last];
}

const reserved: string[] = [];
process.once("exit", () => {
  for (const file of reserved) rmSync(file, { force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates the port's reservation file for this process; false if a live process holds it. */
function reserve(port: number): boolean {
  const file = path.join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      reserved.push(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner = 0;
      try {
        owner = Number(readFileSync(file, "utf8"));
      } catch {
        continue; // removed meanwhile: try again
      }
      // An owner still writing its pid (0) counts as alive.
      if (!owner || alive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/** Whether nothing listens on 127.0.0.1:port (nor on every address). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 no other test process has, nothing listens on, and no kernel hands out. */
export async function reservedPort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  const [first, last] = portRange();
  const size = last - first + 1;
  // From a random place, so that processes starting together do not all queue for the same files.
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = first + ((start + i) % size);
    if (!reserve(port)) continue;
    if (await bindable(port)) return port;
    // Something outside the tests listens there: keep the reservation, so no one else tries it.
  }
  throw new Error(`no free port left in ${first}-${last} (reservations in ${RESERVATIONS})`);
}
