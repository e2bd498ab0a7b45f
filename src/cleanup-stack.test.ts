import { describe, expect, it } from "vitest";
import { CleanupStack } from "./cleanup-stack.js";

describe("CleanupStack", () => {
  it("runs steps newest first, once, even when close() is called twice", async () => {
    const ran: string[] = [];
    const stack = new CleanupStack();
    stack.defer(() => ran.push("store"));
    stack.defer(async () => ran.push("server"));
    await Promise.all([stack.close(), stack.close()]);
    expect(ran).toEqual(["server", "store"]);
  });

  it("goes on past a failing step and rethrows the first failure", async () => {
    const ran: string[] = [];
    const stack = new CleanupStack();
    stack.defer(() => ran.push("store"));
    stack.defer(() => {
      throw new Error("second fails");
    });
    stack.defer(async () => {
      throw new Error("first fails");
    });
    await expect(stack.close()).rejects.toThrow("first fails");
    expect(ran).toEqual(["store"]);
  });
});
