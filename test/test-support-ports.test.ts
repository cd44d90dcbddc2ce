// Self-test of the ports test servers get (test-support/ports.ts, behind server.ts's freePort): none
// is one the kernel could hand to an outgoing connection or to another process's listen(0) (the
// old helper's ports always were: test/sso-saml.test.ts once failed with EADDRINUSE), and two test
// processes asking at the same time never get the same one.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../test-support/server";

const ROOT = path.resolve(__dirname, "..");

/**
 * Starts a node process that asks for `count` ports and then holds them (lives) until `release()`:
 * reservations end with their process, so both must be alive when their ports are compared.
 */
function anotherProcess(count: number): { ports: Promise<number[]>; release: () => Promise<void> } {
  const script = `const ports_ = await import("./test-support/ports.ts"); const reservedPort = ports_.reservedPort ?? ports_.default.reservedPort; const ports = []; for (let i = 0; i < ${count}; i++) ports.push(await reservedPort()); console.log(JSON.stringify(ports)); process.stdin.resume(); process.stdin.on("end", () => process.exit(0));`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const ports = new Promise<number[]>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.endsWith("\n")) resolve(JSON.parse(output) as number[]);
    });
    child.once("exit", (code) => reject(new Error(`port process exited with ${code} before answering`)));
  });
  ports.catch(() => undefined); // awaited by the test; not unhandled when it fails elsewhere first
  return { ports, release: () => (child.stdin.end(), exited) };
}

describe("freePort", () => {
  it("hands out ports outside the kernel's ephemeral range, that a server can listen on", async () => {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());
    expect(ports.filter((port) => port >= low && port <= high)).toEqual([]);
    expect(new Set(ports).size).toBe(ports.length);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(ports[0], "127.0.0.1", resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it("never gives two processes asking at the same time the same port", async () => {
    const processes = [anotherProcess(150), anotherProcess(150)];
    try {
      const mine: number[] = [];
      for (let i = 0; i < 50; i++) mine.push(await freePort());
      const all = [...(await processes[0].ports), ...(await processes[1].ports), ...mine];
      expect(all).toHaveLength(350);
      expect(all.filter((port, i) => all.indexOf(port) !== i)).toEqual([]);
    } finally {
      await Promise.all(processes.map((other) => other.release()));
    }
  });
});
