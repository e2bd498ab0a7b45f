/**
 * Publisher scopes and the publish compatibility check are decided inside the
 * store's write (WriteMeta.guard), so no other write can land between the
 * check and the change.
 *
 * The unit half drives the Manager over a memory store wrapped by a test
 * double that lets "the other writer" commit exactly between the Manager's
 * read and its write: without the guard, each of these writes would go
 * through. The end-to-end half checks through a real server that a scoped
 * publisher is refused and allowed by its scope, with the scope's messages, and
 * that racing publishers never leave a scoped publisher's version on a
 * component another provider already held.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../../src/api/auth/index.js";
import { writeScopeAuthorizer } from "../../src/api/auth/interceptor.js";
import { Manager } from "../../src/catalog/manager.js";
import type { WriteOptions } from "../../src/catalog/requests.js";
import type { ComponentDraft } from "../../src/catalog/validation.js";
import { CatalogError, isCatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import type { ComponentEvent, MutablePatch, NewComponentRecord, WriteMeta } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { expectConnectError, sampleComponent, steppingClock, useAuthenticatedServer } from "../api/harness.js";
import { metaClock, newRecord, uniqueName } from "../storage/fixtures.js";
import { bearer } from "./helpers.js";

/** The scoped publisher of test/security/helpers.ts: names "team-a-…", provider aws. */
const TEAM_A: Identity = {
  name: "api-key:team-a",
  kind: "api-key",
  role: "publisher",
  scope: { namePrefixes: ["team-a-"], providers: ["aws"] },
};
const TEAM_A_WRITES: WriteOptions = { actor: TEAM_A.name, authorize: writeScopeAuthorizer(TEAM_A) };
const PROVIDER_DENIAL = 'it may only write components of provider "aws"';

function draftOf(record: NewComponentRecord): ComponentDraft {
  const { contentDigest: _digest, deprecation: _deprecation, ...draft } = record;
  return draft;
}

/**
 * A store whose next write first runs `interleave` (the other writer's
 * write, committed through the same store) and only then goes ahead: the
 * Manager has already read and checked by then, so only a check inside the
 * write can see what `interleave` did.
 */
class InterleavingStore {
  private pending: (() => Promise<unknown>) | undefined;
  readonly store: CatalogStore;

  constructor(readonly inner: CatalogStore) {
    const before = async (): Promise<void> => {
      const interleave = this.pending;
      this.pending = undefined;
      await interleave?.();
    };
    const writes: Partial<CatalogStore> = {
      insertVersion: async (record: NewComponentRecord, meta: WriteMeta): Promise<ComponentEvent> => {
        await before();
        return inner.insertVersion(record, meta);
      },
      updateVersion: async (
        name: string,
        version: string,
        patch: MutablePatch,
        meta: WriteMeta,
        expectedRevision?: number,
      ): Promise<ComponentEvent> => {
        await before();
        return inner.updateVersion(name, version, patch, meta, expectedRevision);
      },
      deleteVersions: async (
        name: string,
        versions: readonly string[] | "all",
        meta: WriteMeta,
        expectedRevision?: number,
      ): Promise<ComponentEvent[]> => {
        await before();
        return inner.deleteVersions(name, versions, meta, expectedRevision);
      },
    };
    // Everything else goes straight to the memory store.
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        const own = (writes as Record<PropertyKey, unknown>)[property];
        if (own !== undefined) return own;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Runs `write` right before the next write reaches the store. */
  beforeNextWrite(write: () => Promise<unknown>): void {
    this.pending = write;
  }

  get interleaved(): boolean {
    return this.pending === undefined;
  }
}

async function denialOf(promise: Promise<unknown>): Promise<CatalogError> {
  try {
    await promise;
  } catch (err) {
    if (isCatalogError(err)) return err;
    throw err;
  }
  throw new Error("expected the write to be refused");
}

describe("a write's scope and compatibility are decided inside the store's write", () => {
  let memory: MemoryCatalogStore;
  let racing: InterleavingStore;
  let manager: Manager;
  const otherWriter = metaClock();

  beforeAll(() => {
    memory = new MemoryCatalogStore();
    racing = new InterleavingStore(memory);
    manager = new Manager(racing.store, steppingClock(), silentLogger);
  });

  afterAll(async () => {
    await memory.close();
  });

  it("refuses an aws-scoped publish when a gcp publisher creates the name's first version in between", async () => {
    const name = uniqueName("team-a-race");
    racing.beforeNextWrite(() => memory.insertVersion(newRecord(name, "1.0.0", { provider: "gcp" }), otherWriter()));
    const before = (await memory.revisionBounds()).current;

    const err = await denialOf(manager.publish(draftOf(newRecord(name, "1.1.0", { provider: "aws" })), TEAM_A_WRITES));

    expect(racing.interleaved).toBe(true);
    expect(err.code).toBe("PERMISSION_DENIED");
    expect(err.message).toBe(`api-key:team-a may not write component ${JSON.stringify(name)}: ${PROVIDER_DENIAL}`);
    const stored = await memory.listVersions(name);
    expect(stored.map((r) => [r.version, r.provider])).toEqual([["1.0.0", "gcp"]]);
    expect((await memory.revisionBounds()).current).toBe(before + 1);
  });

  it("refuses an aws-scoped delete of every version when a gcp version is added in between", async () => {
    const name = uniqueName("team-a-del");
    await manager.publish(draftOf(newRecord(name, "1.0.0", { provider: "aws" })), TEAM_A_WRITES);
    racing.beforeNextWrite(() => memory.insertVersion(newRecord(name, "2.0.0", { provider: "gcp" }), otherWriter()));

    const err = await denialOf(manager.delete({ name, version: "", allVersions: true, etag: "" }, TEAM_A_WRITES));

    expect(err.code).toBe("PERMISSION_DENIED");
    expect(err.message).toContain(PROVIDER_DENIAL);
    expect((await memory.listVersions(name)).map((r) => r.version)).toEqual(["2.0.0", "1.0.0"]);
  });

  it("refuses an aws-scoped update when the name's versions change hands in between", async () => {
    const name = uniqueName("team-a-upd");
    await manager.publish(draftOf(newRecord(name, "1.0.0", { provider: "aws" })), TEAM_A_WRITES);
    racing.beforeNextWrite(() => memory.insertVersion(newRecord(name, "1.5.0", { provider: "gcp" }), otherWriter()));

    const err = await denialOf(
      manager.update(
        {
          name,
          version: "1.0.0",
          description: "changed",
          labels: {},
          deprecation: undefined,
          updateMask: ["description"],
          etag: "",
        },
        TEAM_A_WRITES,
      ),
    );

    expect(err.code).toBe("PERMISSION_DENIED");
    expect((await memory.getVersion(name, "1.0.0"))?.description).toBe(newRecord(name, "1.0.0").description);
  });

  it("refuses a publish that became breaking because a closer base version landed in between", async () => {
    const name = uniqueName("compat-race");
    await manager.publish(draftOf(newRecord(name, "1.0.0")), { actor: "sync" });
    const withPort = newRecord(name, "1.0.1");
    withPort.outputs = [...withPort.outputs, { name: "port", type: "integer", description: "port", sensitive: false }];
    racing.beforeNextWrite(() => manager.publish(draftOf(withPort), { actor: "someone-else" }));

    // Compatible with 1.0.0 (what the Manager read), but it drops 1.0.1's "port" output.
    const err = await denialOf(manager.publish(draftOf(newRecord(name, "1.1.0")), { actor: "sync" }));

    expect(err.code).toBe("FAILED_PRECONDITION");
    expect(err.message).toContain("would break consumers of 1.0.1");
    expect((await memory.listVersions(name)).map((r) => r.version)).toEqual(["1.0.1", "1.0.0"]);
  });

  it("still lets a publisher without scope rules, and the sync identity, write whatever lands in between", async () => {
    const name = uniqueName("unscoped");
    racing.beforeNextWrite(() => memory.insertVersion(newRecord(name, "1.0.0", { provider: "gcp" }), otherWriter()));
    const result = await manager.publish(draftOf(newRecord(name, "2.0.0", { provider: "aws" })), { actor: "sync:git" });
    expect(result.created).toBe(true);
    expect((await memory.listVersions(name)).map((r) => r.provider)).toEqual(["aws", "gcp"]);
  });

  it("keeps an identical republish idempotent when the same version lands in between", async () => {
    const name = uniqueName("team-a-same");
    const record = newRecord(name, "1.0.0", { provider: "aws" });
    racing.beforeNextWrite(() => manager.publish(draftOf(record), TEAM_A_WRITES));
    const result = await manager.publish(draftOf(record), TEAM_A_WRITES);
    expect(result.created).toBe(false);
    expect(await memory.listVersions(name)).toHaveLength(1);
  });
});

describe("publisher scopes through a real server", () => {
  const auth = useAuthenticatedServer("nestor-scope-race-");
  const { keys } = auth;
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}-${++counter}`;
  const client = () => auth.clients.clients.grpc;
  const scoped = () => bearer(keys.apiKeys.scoped);
  const admin = () => bearer(keys.apiKeys.admin);

  it("allows a scoped publisher its own names and provider, for create, update and delete", async () => {
    const name = fresh("team-a-own");
    const created = await client().createComponent({ component: sampleComponent({ name, provider: "aws" }) }, scoped());
    expect(created.created).toBe(true);
    await client().updateComponent({ component: { name, version: "1.0.0", description: "changed" } }, scoped());
    const deleted = await client().deleteComponent({ name, allVersions: true }, scoped());
    expect(deleted.components).toHaveLength(1);
  });

  it("refuses it other names and other providers with today's messages, naming the identity and the rule", async () => {
    const otherName = fresh("team-b");
    const byName = await expectConnectError(
      client().createComponent({ component: sampleComponent({ name: otherName, provider: "aws" }) }, scoped()),
      Code.PermissionDenied,
    );
    expect(byName.rawMessage).toBe(
      `api-key:team-a may not write component "${otherName}": ` +
        'it may only write components whose names start with "team-a-"',
    );
    const gcpName = fresh("team-a-gcp");
    const byProvider = await expectConnectError(
      client().createComponent({ component: sampleComponent({ name: gcpName, provider: "gcp" }) }, scoped()),
      Code.PermissionDenied,
    );
    expect(byProvider.rawMessage).toBe(`api-key:team-a may not write component "${gcpName}": ${PROVIDER_DENIAL}`);
    expect(byProvider.rawMessage).not.toContain(keys.apiKeys.scoped);
    // validateOnly writes nothing, but is answered by the same scope.
    await expectConnectError(
      client().createComponent(
        { component: sampleComponent({ name: gcpName, provider: "gcp" }), validateOnly: true },
        scoped(),
      ),
      Code.PermissionDenied,
    );
  });

  it("refuses it a component another provider holds, for every write method", async () => {
    const foreign = fresh("team-a-foreign");
    await client().createComponent({ component: sampleComponent({ name: foreign, provider: "gcp" }) }, admin());
    const writes = [
      client().createComponent(
        { component: sampleComponent({ name: foreign, version: "1.1.0", provider: "aws" }) },
        scoped(),
      ),
      client().updateComponent({ component: { name: foreign, version: "1.0.0", description: "mine now" } }, scoped()),
      client().deleteComponent({ name: foreign, allVersions: true }, scoped()),
    ];
    for (const write of writes) {
      const err = await expectConnectError(write, Code.PermissionDenied);
      expect(err.rawMessage).toContain(PROVIDER_DENIAL);
    }
    const stored = await auth.server.store.listVersions(foreign);
    expect(stored.map((r) => [r.version, r.provider, r.description])).toEqual([
      ["1.0.0", "gcp", sampleComponent().description],
    ]);
  });

  it("never leaves a scoped publisher's version on a name another provider held, however publishes race", async () => {
    const names = Array.from({ length: 15 }, () => fresh("team-a-contended"));
    await Promise.allSettled(
      names.flatMap((name) => [
        client().createComponent({ component: sampleComponent({ name, version: "1.0.0", provider: "gcp" }) }, admin()),
        client().createComponent({ component: sampleComponent({ name, version: "2.0.0", provider: "aws" }) }, scoped()),
      ]),
    );
    for (const name of names) {
      const stored = await auth.server.store.listVersions(name);
      const aws = stored.find((r) => r.provider === "aws");
      const gcp = stored.find((r) => r.provider === "gcp");
      expect(gcp, name).toBeDefined();
      // The scoped publish may only have landed while the name had no gcp version yet.
      if (aws && gcp) expect(aws.createRevision, name).toBeLessThan(gcp.createRevision);
    }
  });
});

describe("writeScopeAuthorizer", () => {
  it("is absent for admins and for publishers without scope rules, who may write any component", () => {
    expect(writeScopeAuthorizer({ ...TEAM_A, role: "admin" })).toBeUndefined();
    expect(writeScopeAuthorizer({ ...TEAM_A, scope: { namePrefixes: [], providers: [] } })).toBeUndefined();
  });

  it("refuses a provider-scoped caller a write that shows no provider at all", () => {
    const authorize = writeScopeAuthorizer(TEAM_A);
    expect(() => authorize?.("team-a-x", [])).toThrow(CatalogError);
    expect(() => authorize?.("team-a-x", ["aws"])).not.toThrow();
    expect(() => authorize?.("team-a-x", ["aws", "gcp"])).toThrow(PROVIDER_DENIAL);
  });
});
