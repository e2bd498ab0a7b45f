/**
 * What src/api/grpc-message.ts patches, checked against the Connect-ES
 * installed: it rewrites grpc-message because Connect-ES percent-encodes
 * reserved characters that @grpc/grpc-js then shows escaped. @connectrpc/*
 * is pinned to an exact version in package.json; when an upgrade changes
 * how Connect-ES writes grpc-message, these tests fail, and the rewrite can
 * be re-checked (and dropped if it is no longer needed).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { describe, expect, test } from "vitest";
import { grpcMessageHeaderValue } from "../../src/api/grpc-message.js";
import { repoRoot } from "./harness.js";

describe("the Connect-ES behaviour grpc-message.ts patches", () => {
  test("@connectrpc/connect and connect-node are pinned to one exact version", () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const connect = manifest.dependencies["@connectrpc/connect"];
    expect(connect).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.dependencies["@connectrpc/connect-node"]).toBe(connect);
    const installed = JSON.parse(
      readFileSync(join(repoRoot, "node_modules/@connectrpc/connect/package.json"), "utf8"),
    ) as { version: string };
    expect(installed.version).toBe(connect);
  });

  test("Connect-ES still writes grpc-message with encodeURIComponent, which grpc-js's decodeURI leaves escaped", () => {
    const message = "invalid request: name: a/b";
    const written = setTrailerStatus(new Headers(), new ConnectError(message, Code.InvalidArgument)).get(
      "grpc-message",
    );
    expect(written).toBe(encodeURIComponent(message));
    expect(decodeURI(written ?? "")).not.toBe(message);
    expect(decodeURI(grpcMessageHeaderValue(written ?? ""))).toBe(message);
  });
});
