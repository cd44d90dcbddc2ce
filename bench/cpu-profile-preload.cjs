// Preloaded into the server by `bench/probe.ts --cpu-prof` (NODE_OPTIONS=--require …; Node does
// not allow --cpu-prof there): profiles the whole process and writes a .cpuprofile when it exits.
const { Session } = require("node:inspector");
const { writeFileSync } = require("node:fs");
const path = require("node:path");

const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 200 });
session.post("Profiler.start");
process.on("exit", () => {
  // A session on the main thread answers synchronously, so this completes inside the exit handler.
  session.post("Profiler.stop", (error, result) => {
    if (error) return;
    const file = path.join(process.env.CPU_PROFILE_DIR || ".", `server-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
  });
});
