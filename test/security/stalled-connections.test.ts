/**
 * Stalled connections are cut, while other clients carry on: a socket that
 * never speaks, a partial HTTP/2 preface, HTTP/1.1 headers or a body
 * trickled a byte at a time (slowloris), an HTTP/2 stream that sends
 * headers and never any DATA, and idle connections, against a server with
 * short deadlines (server.prefaceTimeoutMs, headersTimeoutMs,
 * requestTimeoutMs, idleTimeoutMs). No wall-time assertion beyond "closed
 * before a generous bound".
 */
import * as http2 from "node:http2";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogServer, startCatalogServer } from "../../src/app.js";
import { silentLogger } from "../../src/logging/index.js";
import { sampleComponent, testConfig } from "../api/harness.js";
import { type ProtocolClients, protocolClients } from "./helpers.js";

/** Far above every deadline configured below, and far below the test timeout. */
const GENEROUS_MS = 15_000;
let server: CatalogServer;
let clients: ProtocolClients;

beforeAll(async () => {
  server = await startCatalogServer(
    testConfig((config) => {
      config.server.prefaceTimeoutMs = 500;
      config.server.headersTimeoutMs = 500;
      config.server.requestTimeoutMs = 1_000;
      config.server.idleTimeoutMs = 1_000;
    }),
    silentLogger,
  );
  clients = protocolClients(server.url);
});

afterAll(async () => {
  clients.close();
  await server.shutdown();
});

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

/** Resolves true when the server closes `socket` within GENEROUS_MS; the test keeps `trickle` going until then. */
function closedByServer(socket: net.Socket, trickle?: () => void): Promise<boolean> {
  return new Promise((resolve) => {
    const drip = trickle ? setInterval(trickle, 200) : undefined;
    const bound = setTimeout(() => finish(false), GENEROUS_MS);
    function finish(closed: boolean) {
      clearInterval(drip);
      clearTimeout(bound);
      socket.destroy();
      resolve(closed);
    }
    socket.on("error", () => {});
    socket.once("close", () => finish(true));
    socket.resume();
  });
}

/** An ordinary client keeps working while the stalled ones are being cut. */
async function whileOthersCarryOn<T>(stalled: Promise<T>): Promise<T> {
  let calls = 0;
  let done = false;
  const ordinary = (async () => {
    while (!done) {
      await clients.clients.grpc.listComponents({});
      await clients.clients.connect.listComponents({});
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const result = await stalled;
  done = true;
  await ordinary;
  expect(calls).toBeGreaterThan(0);
  return result;
}

describe("stalled connections are cut while other clients carry on", () => {
  it("closes a socket that never sends a byte", async () => {
    const socket = await connect();
    expect(await whileOthersCarryOn(closedByServer(socket))).toBe(true);
  });

  it("closes 200 silent sockets", async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, connect));
    const closed = await whileOthersCarryOn(Promise.all(sockets.map((socket) => closedByServer(socket))));
    expect(closed.filter((c) => !c)).toHaveLength(0);
  });

  it("closes a socket that stops half-way through the HTTP/2 preface", async () => {
    const socket = await connect();
    socket.write("PRI * HT");
    expect(await whileOthersCarryOn(closedByServer(socket))).toBe(true);
  });

  it("closes an HTTP/1.1 client trickling its headers a byte at a time (slowloris)", async () => {
    const socket = await connect();
    socket.write("GET /nestor.catalog.v1.CatalogService/ListComponents HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(await whileOthersCarryOn(closedByServer(socket, () => socket.write("a")))).toBe(true);
  });

  it("closes an HTTP/1.1 client trickling its body a byte at a time", async () => {
    const socket = await connect();
    socket.write(
      "POST /nestor.catalog.v1.CatalogService/ListComponents HTTP/1.1\r\nHost: x\r\n" +
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
    );
    expect(await whileOthersCarryOn(closedByServer(socket, () => socket.write(" ")))).toBe(true);
  });

  it("closes an idle HTTP/1.1 keep-alive connection", async () => {
    const socket = await connect();
    socket.write("GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await whileOthersCarryOn(closedByServer(socket))).toBe(true);
  });

  it("resets an HTTP/2 stream that sends headers and never DATA, and closes the idle session after it", async () => {
    const session = http2.connect(server.url);
    session.on("error", () => {});
    const stream = session.request({
      ":method": "POST",
      ":path": "/nestor.catalog.v1.CatalogService/ListComponents",
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.on("error", () => {});
    stream.resume();
    const reset = new Promise<number | undefined>((resolve) => {
      const bound = setTimeout(() => resolve(undefined), GENEROUS_MS);
      stream.once("close", () => {
        clearTimeout(bound);
        resolve(stream.rstCode);
      });
    });
    expect(await whileOthersCarryOn(reset)).toBe(http2.constants.NGHTTP2_CANCEL);
    const sessionClosed = new Promise<boolean>((resolve) => {
      const bound = setTimeout(() => resolve(false), GENEROUS_MS);
      session.once("close", () => {
        clearTimeout(bound);
        resolve(true);
      });
    });
    expect(await sessionClosed).toBe(true);
  });

  it("keeps a connection whose WatchEvents idles past the idle deadline", async () => {
    const own = protocolClients(server.url);
    try {
      const name = `idle-watch-${process.pid}`;
      const stream = own.clients.grpc.watchEvents({ startRevision: 0n })[Symbol.asyncIterator]();
      await stream.next();
      // Longer than idleTimeoutMs and requestTimeoutMs: the open stream keeps its connection.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const created = await clients.clients.grpc.createComponent({ component: sampleComponent({ name }) });
      for (;;) {
        const next = await stream.next();
        expect(next.done).toBe(false);
        if (next.value.events.some((event: { revision: bigint }) => event.revision === created.revision)) break;
      }
      await stream.return?.();
    } finally {
      own.close();
    }
  });
});
