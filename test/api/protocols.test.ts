/**
 * One port, every protocol: the Connect protocol with JSON over HTTP/1.1
 * (Connect-ES, a bare fetch and curl), and gRPC over HTTP/2 on the same port,
 * seeing the same catalog.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import {
  bigintSafe,
  decodeBadRequest,
  expectConnectError,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
} from "./harness.js";

const run = promisify(execFile);

const h = useHarness();

const SERVICE = "nestor.catalog.v1.CatalogService";

/** A Connect unary call as any HTTP/1.1 client would make it: POST, JSON in, JSON out. */
async function postJson(
  method: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; httpVersion: string }> {
  const res = await fetch(`${h.server.url}/${SERVICE}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, httpVersion: "1.1" };
}

describe("Connect-ES with JSON over HTTP/1.1", () => {
  test("publishes, reads, updates and lists; gRPC clients see the same writes", async () => {
    const name = uniqueName("json");
    const created = await h.connectJson.createComponent({ component: sampleComponent({ name }) });
    expect(created.created).toBe(true);
    const viaGrpc = await h.grpc.getComponent({ name });
    expect(viaGrpc.component?.contentDigest).toBe(created.component?.contentDigest);
    const updated = await h.connectJson.updateComponent({
      component: { name, version: "1.0.0", description: "via json", etag: created.component!.etag },
      updateMask: { paths: ["description"] },
    });
    expect(updated.component?.description).toBe("via json");
    const viaGrpcJs = await h.grpcjs.call<{ component: { description: string } }>("GetComponent", {
      name,
      version: "1.0.0",
    });
    expect(viaGrpcJs.component.description).toBe("via json");
    const listed = await h.connectJson.listComponents({ filter: { provider: "aws" }, pageSize: 1000 });
    expect(listed.components.map((c) => c.name)).toContain(name);
    expect(listed.revision).toBe(updated.revision);
  });

  test("errors carry the code, the message and the BadRequest detail", async () => {
    const err = await expectConnectError(
      h.connectJson.createComponent({ component: sampleComponent({ name: "Not_A_Label" }) }),
      Code.InvalidArgument,
    );
    expect(err.rawMessage).toContain("Not_A_Label");
    expect(violatedFields(err)).toEqual(["component.name"]);
  });

  test("WatchEvents streams over HTTP/1.1 too", async () => {
    const name = uniqueName("jsonwatch");
    const start = (await h.connectJson.listComponents({ pageSize: 1 })).revision;
    const created = await h.grpc.createComponent({ component: sampleComponent({ name }) });
    const abort = new AbortController();
    try {
      for await (const msg of h.connectJson.watchEvents(
        { startRevision: start, filter: { names: [name] } },
        { signal: abort.signal },
      )) {
        if (msg.events.length === 0) continue;
        expect(msg.events.map((e) => [e.component?.name, e.revision])).toEqual([[name, created.revision]]);
        break;
      }
    } finally {
      abort.abort();
    }
  });
});

describe("plain HTTP/1.1 POST with JSON", () => {
  test("fetch publishes and reads with proto3 JSON (int64 as strings, enum names)", async () => {
    const name = uniqueName("fetch");
    const created = await postJson("CreateComponent", {
      component: {
        name,
        version: "1.0.0",
        provider: "aws",
        category: "database",
        inputs: [{ name: "size", type: "VALUE_TYPE_INTEGER", defaultValue: 20, validation: { minimum: 20 } }],
        outputs: [{ name: "endpoint", type: "VALUE_TYPE_STRING" }],
        deployment: { engine: "terraform", config: { module: "rds" } },
      },
    });
    expect(created.status).toBe(200);
    expect(created.json.created).toBe(true);
    expect(typeof created.json.revision).toBe("string");
    const got = await postJson("GetComponent", { name, version: "^1" });
    expect(got.status).toBe(200);
    const component = got.json.component as Record<string, unknown>;
    expect(component.version).toBe("1.0.0");
    expect(component.inputs).toEqual([
      expect.objectContaining({
        name: "size",
        type: "VALUE_TYPE_INTEGER",
        defaultValue: 20,
        validation: expect.objectContaining({ minimum: 20 }),
      }),
    ]);
    expect(component.deployment).toEqual(expect.objectContaining({ engine: "terraform", config: { module: "rds" } }));
    expect(got.json.revision).toBe(created.json.revision);
  });

  test("a bad request is HTTP 400 with code invalid_argument and a decodable BadRequest detail", async () => {
    const res = await postJson("ListComponents", { pageSize: -4 });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_argument");
    expect(res.json.message).toContain("page_size");
    const details = res.json.details as { type: string; value: string }[];
    expect(details.map((d) => d.type)).toEqual(["google.rpc.BadRequest"]);
    const badRequest = decodeBadRequest(Buffer.from(details[0]!.value, "base64"));
    expect(badRequest.fieldViolations.map((v) => v.field)).toEqual(["page_size"]);
  });

  test("an unknown component is HTTP 404 not_found naming it", async () => {
    const res = await postJson("GetComponent", { name: "no-such-thing" });
    expect(res.status).toBe(404);
    expect(res.json.code).toBe("not_found");
    expect(res.json.message).toContain("no-such-thing");
  });

  test("curl --http1.1 gets JSON back", async () => {
    const name = uniqueName("curl");
    await h.grpc.createComponent({ component: sampleComponent({ name }) });
    const { stdout } = await run("curl", [
      "--silent",
      "--show-error",
      "--http1.1",
      "--write-out",
      "\n%{http_version} %{http_code}",
      "-H",
      "content-type: application/json",
      "--data",
      JSON.stringify({ name, version: "latest" }),
      `${h.server.url}/${SERVICE}/GetComponent`,
    ]);
    const [body, status] = stdout.split("\n");
    expect(status).toBe("1.1 200");
    const json = JSON.parse(body!) as { component: { name: string; version: string }; revision: string };
    expect(json.component).toMatchObject({ name, version: "1.0.0" });
    expect(JSON.stringify(json, bigintSafe)).not.toContain("%");
  });
});
