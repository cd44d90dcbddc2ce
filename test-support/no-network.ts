// Unit and integration tests talk only to this machine: any connection to another address fails
// loudly instead of silently reaching out.
import net from "node:net";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;
const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string;
  const host =
    typeof first === "object" && first !== null && !Array.isArray(first)
      ? first.path !== undefined
        ? "localhost"
        : first.host ?? "localhost"
      : typeof args[1] === "string"
        ? (args[1] as string)
        : "localhost";
  if (!LOOPBACK.test(host) && !String(host).startsWith("/")) {
    throw new Error(`test tried to connect to ${host}: tests may only reach this machine`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
