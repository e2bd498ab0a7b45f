/**
 * A Git smart-HTTP server for tests: `git http-backend` behind Basic
 * authentication, so the sync's HTTPS credential path runs for real.
 * Every Authorization header it sees is recorded (to prove what was sent).
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HttpGitServer {
  /** Base URL; a repository `<projectRoot>/x` is at `${url}/x`. */
  url: string;
  /** Requests refused for missing or wrong credentials. */
  refused: number;
  close(): Promise<void>;
}

export async function startHttpGitServer(projectRoot: string, user: string, password: string): Promise<HttpGitServer> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const state = { refused: 0 };
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      state.refused++;
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "",
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: user,
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    cgi.on("close", () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf("\r\n\r\n");
      const headerEnd = split === -1 ? out.indexOf("\n\n") : split;
      const gap = split === -1 ? 2 : 4;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of out.subarray(0, headerEnd).toString("utf8").split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(headerEnd + gap));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
