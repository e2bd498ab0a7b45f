/**
 * The pieces of wire text the API layer rewrites: field paths in proto
 * names, status messages in printable ASCII, and grpc-message in the gRPC
 * spec's percent-encoding. Pure
 * functions, checked against what real clients do with them.
 */
import { describe, expect, test } from "vitest";
import { headerSafeMessage, MAX_MESSAGE_CHARS } from "../../src/api/errors.js";
import { wireFieldPath } from "../../src/api/field-paths.js";
import { grpcMessageHeaderValue } from "../../src/api/grpc-message.js";

describe("wireFieldPath", () => {
  test.each([
    ["component.inputs[1].default", "component.inputs[1].default_value"],
    ["component.inputs[0].validation.minLength", "component.inputs[0].validation.min_length"],
    ["component.inputs[0].validation.allowedValues[2]", "component.inputs[0].validation.allowed_values[2]"],
    ["component.deployment.engineVersion", "component.deployment.engine_version"],
    ["deployment.engineVersion", "deployment.engine_version"],
    ["inputs.instanceClass.validation.maxLength", "inputs.instanceClass.validation.max_length"],
    ["inputs.default.default", "inputs.default.default_value"],
    ["outputs.minLength.type", "outputs.minLength.type"],
    ['component.labels["app.kubernetes.io/minLength"]', 'component.labels["app.kubernetes.io/minLength"]'],
    ["deployment.config.module.engineVersion", "deployment.config.module.engineVersion"],
    ["page_size", "page_size"],
    ["pageSize", "page_size"],
    ["pageToken", "page_token"],
    ["updateMask", "update_mask"],
    ["filter.names[2]", "filter.names[2]"],
    ["inputs.instanceClass.type", "inputs.instanceClass.type"],
    ["update_mask.paths[0]", "update_mask.paths[0]"],
  ])("%s → %s", (domain, wire) => {
    expect(wireFieldPath(domain)).toBe(wire);
  });
});

describe("grpcMessageHeaderValue", () => {
  const messages = [
    'invalid request: name: "café" is not a DNS-1123 label; see docs/names, a?b#c&d=e+f,g@h$i',
    "50% off",
    "rocket 🚀 — done",
    "%3A stays literal",
  ];

  test.each(messages)("%j survives Connect's encoding, then grpc-js's decodeURI", (message) => {
    const header = grpcMessageHeaderValue(encodeURIComponent(message));
    expect(header).toMatch(/^[\x20-\x7e]*$/);
    expect(decodeURI(header)).toBe(message);
    expect(decodeURIComponent(header)).toBe(message);
  });

  test("escapes only what the spec asks: bytes outside printable ASCII, and '%'", () => {
    expect(grpcMessageHeaderValue(encodeURIComponent("a: b; c/d é %"))).toBe("a: b; c/d %C3%A9 %25");
  });

  test("escapes spaces at either end, which an HTTP/2 field value may not hold", () => {
    expect(grpcMessageHeaderValue(encodeURIComponent("  value:  "))).toBe("%20%20value:%20%20");
  });
});

describe("headerSafeMessage", () => {
  test.each([
    ["café-ñame", "caf\\u00e9-\\u00f1ame"],
    ["line\nbreak\ttab\u007fdel", "line\\u000abreak\\u0009tab\\u007fdel"],
    ["rocket 🚀", "rocket \\ud83d\\ude80"],
    ["plain ASCII: a/b?c%d \\ stays", "plain ASCII: a/b?c%d \\ stays"],
  ])("%j reads %j", (message, expected) => {
    expect(headerSafeMessage(message)).toBe(expected);
    expect(headerSafeMessage(message)).toMatch(/^[\x20-\x7e]*$/);
  });

  test("keeps the start of a long run of characters (a caller's value echoed whole) and says how long it was", () => {
    expect(headerSafeMessage(`name "${"x".repeat(5_000)}" is invalid`)).toBe(
      `name "${"x".repeat(59)}... (5002 characters) is invalid`,
    );
    expect(headerSafeMessage("é".repeat(5_000))).toBe(`${"\\u00e9".repeat(10)}... (30000 characters)`);
  });

  test("cuts long messages to one short header line, saying how long they were", () => {
    const cut = headerSafeMessage("word ".repeat(1_000));
    expect(cut.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(cut.length).toBeGreaterThan(MAX_MESSAGE_CHARS - 6);
    expect(cut).toMatch(/^(word )+(w|wo|wor|word)?\.\.\. \(cut from 5000 characters\)$/);
  });
});
