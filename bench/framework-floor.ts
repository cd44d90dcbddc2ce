// The framework's own cost, measured in the same run as the service (as bcrypt is for password
// login): a Next.js app whose only route handler answers fixed JSON (bench/framework-floor/),
// built and served by `next start` like any production Next.js app. No endpoint of ours served
// through Next.js can be faster than this on the machine; the distance to it is our own work.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { freePort } from "../test-support/server";
import { pidListeningOn } from "./rss";

const APP_DIR = path.resolve(__dirname, "framework-floor");
const NEXT_BIN = require.resolve("next/dist/bin/next");

export interface FrameworkFloor {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startFrameworkFloor(): Promise<FrameworkFloor> {
  execFileSync(process.execPath, [NEXT_BIN, "build", APP_DIR], { stdio: "ignore", env: { ...process.env, NEXT_DIST_DIR: "" } });
  const port = await freePort();
  const child = spawn(process.execPath, [NEXT_BIN, "start", APP_DIR, "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, NODE_ENV: "production", NEXT_DIST_DIR: "" },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}/floor`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the framework-floor app did not start (exit code ${child.exitCode})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: pidListeningOn(port),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
