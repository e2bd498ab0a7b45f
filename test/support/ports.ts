/**
 * TCP ports for servers the tests start themselves.
 */
import { readFileSync } from "node:fs";
import net from "node:net";

/** A port the kernel handed out a moment ago (the spawned server binds it); for servers started once. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A free port below the kernel's ephemeral range, for a server a test stops and starts again on the same port.
 * A port inside that range can be taken while the server is down: a client reconnecting to 127.0.0.1:P may be
 * given P as its own local port and connect to itself (TCP simultaneous open), and the restarted server then
 * fails to bind.
 */
export async function restartablePort(): Promise<number> {
  const low = 10_000;
  const high = ephemeralRangeStart() - 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    const value = Number(start);
    if (Number.isInteger(value) && value > 11_000) return value;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
  }
  return 32_768;
}

async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
