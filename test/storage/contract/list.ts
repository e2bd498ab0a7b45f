/**
 * list: filters in latest and all-versions mode, the order and its tie-
 * breaks, keyset paging (stable while writes happen), foreign cursors, and
 * the revision a page reflects.
 */
import { describe, expect, it } from "vitest";
import type { NewComponentRecord } from "../../../src/storage/records.js";
import type { ComponentFilter, OrderField } from "../../../src/storage/store.js";
import { metaClock, newRecord, uniqueName, uniqueToken } from "../fixtures.js";
import { type ContractContext, expectCode, namesOf, rowKey, versionsOf } from "./helpers.js";

export function defineListContract(ctx: ContractContext): void {
  const { store, listAll, byName, only } = ctx;
  describe("list", () => {
    async function seedFilterSet() {
      const provider = uniqueToken();
      const clock = metaClock();
      const [a, b, c] = [uniqueName("fa"), uniqueName("fb"), uniqueName("fc")];
      const put = (name: string, version: string, o: Partial<NewComponentRecord>) =>
        store.insertVersion(newRecord(name, version, { provider, ...o }), clock());
      await put(a, "1.0.0", { labels: { team: "a" } });
      await put(a, "1.1.0", { labels: { team: "a", tier: "gold" } });
      await put(b, "1.0.0", {
        category: "network",
        labels: { team: "b" },
        deployment: { engine: "pulumi", engineVersion: "3", config: {} },
      });
      await put(c, "1.0.0", { labels: { team: "a", tier: "gold" } });
      await store.updateVersion(c, "1.0.0", { deprecation: { deprecated: true, message: "gone" } }, clock());
      return { provider, a, b, c };
    }

    it("applies each filter to the latest version of each component", async () => {
      const { provider, a, b, c } = await seedFilterSet();
      const latest = (filter: Partial<ComponentFilter>) =>
        listAll({ filter: { includeDeprecated: true, provider, ...filter }, allVersions: false, orderBy: byName });
      expect(namesOf(await latest({}))).toEqual([a, b, c].sort());
      expect(namesOf(await latest({ category: "network" }))).toEqual([b]);
      expect(namesOf(await latest({ deploymentEngine: "pulumi" }))).toEqual([b]);
      expect(namesOf(await latest({ labels: { team: "a", tier: "gold" } }))).toEqual([a, c].sort());
      expect(namesOf(await latest({ labels: { team: "a", tier: "silver" } }))).toEqual([]);
      expect(namesOf(await latest({ names: [a, b] }))).toEqual([a, b].sort());
      expect(namesOf(await latest({ includeDeprecated: false }))).toEqual([a, b].sort());
      expect(namesOf(await latest({ provider: uniqueToken() }))).toEqual([]);
      expect(versionsOf(await latest({ names: [a] }))).toEqual(["1.1.0"]);
    });

    it("applies each filter to every version in all-versions mode", async () => {
      const { provider, a, b, c } = await seedFilterSet();
      const all = (filter: Partial<ComponentFilter>) =>
        listAll({ filter: { includeDeprecated: true, provider, ...filter }, allVersions: true, orderBy: byName });
      expect((await all({})).map(rowKey)).toEqual(
        [`${a}@1.1.0`, `${a}@1.0.0`, `${b}@1.0.0`, `${c}@1.0.0`].sort((x, y) =>
          x.split("@")[0] === y.split("@")[0] ? 0 : x < y ? -1 : 1,
        ),
      );
      expect((await all({ labels: { team: "a" } })).map(rowKey)).toEqual(
        [`${a}@1.1.0`, `${a}@1.0.0`, `${c}@1.0.0`].sort((x, y) =>
          x.split("@")[0] === y.split("@")[0] ? 0 : x < y ? -1 : 1,
        ),
      );
      expect((await all({ labels: { tier: "gold" }, includeDeprecated: false })).map(rowKey)).toEqual([`${a}@1.1.0`]);
      expect((await all({ category: "network" })).map(rowKey)).toEqual([`${b}@1.0.0`]);
      expect((await all({ deploymentEngine: "terraform", names: [c] })).map(rowKey)).toEqual([`${c}@1.0.0`]);
    });

    it("shows the latest version per component and follows deprecation, unlike all-versions mode", async () => {
      const name = uniqueName("latest");
      const clock = metaClock();
      for (const version of ["1.0.0", "1.1.0", "2.0.0-rc.1"]) {
        await store.insertVersion(newRecord(name, version), clock());
      }
      const read = async (allVersions: boolean, includeDeprecated: boolean) =>
        versionsOf(await listAll({ filter: only([name], { includeDeprecated }), allVersions, orderBy: byName }));
      expect(await read(false, true)).toEqual(["1.1.0"]);
      expect(await read(true, true)).toEqual(["2.0.0-rc.1", "1.1.0", "1.0.0"]);
      const deprecation = { deprecated: true, message: "old" };
      await store.updateVersion(name, "1.1.0", { deprecation }, clock());
      expect(await read(false, true)).toEqual(["1.0.0"]);
      expect(await read(true, false)).toEqual(["2.0.0-rc.1", "1.0.0"]);
      await store.updateVersion(name, "1.0.0", { deprecation }, clock());
      expect(await read(false, true)).toEqual(["1.1.0"]);
      expect(await read(false, false)).toEqual([]);
      const onlyPre = uniqueName("latest-pre");
      await store.insertVersion(newRecord(onlyPre, "1.0.0-beta.1"), clock());
      await store.insertVersion(newRecord(onlyPre, "1.0.0-beta.2"), clock());
      expect(versionsOf(await listAll({ filter: only([onlyPre]), allVersions: false, orderBy: byName }))).toEqual([
        "1.0.0-beta.2",
      ]);
    });

    it("matches the filter against the latest version, not against older ones", async () => {
      const name = uniqueName("latest-filter");
      const clock = metaClock();
      await store.insertVersion(newRecord(name, "1.0.0", { category: "network" }), clock());
      await store.insertVersion(newRecord(name, "2.0.0", { category: "database" }), clock());
      const filter = only([name], { category: "network" });
      expect(await listAll({ filter, allVersions: false, orderBy: byName })).toEqual([]);
      expect(versionsOf(await listAll({ filter, allVersions: true, orderBy: byName }))).toEqual(["1.0.0"]);
    });

    it("orders by name or updateTime in both directions, ties by name then version descending", async () => {
      const clock = metaClock();
      const times = [clock(), clock(), clock()];
      const [n1, n2, n3, n4] = [uniqueName("ord-a"), uniqueName("ord-b"), uniqueName("ord-c"), uniqueName("ord-d")];
      await store.insertVersion(newRecord(n1, "1.0.0"), times[2]!);
      await store.insertVersion(newRecord(n2, "1.0.0"), times[0]!);
      await store.insertVersion(newRecord(n3, "1.0.0"), times[1]!);
      await store.insertVersion(newRecord(n3, "2.0.0"), times[1]!);
      await store.insertVersion(newRecord(n4, "1.0.0"), times[1]!);
      const names = [n1, n2, n3, n4];
      const read = async (field: OrderField, descending: boolean, allVersions: boolean) =>
        (await listAll({ filter: only(names), allVersions, orderBy: { field, descending } })).map(rowKey);
      expect(await read("name", false, false)).toEqual([`${n1}@1.0.0`, `${n2}@1.0.0`, `${n3}@2.0.0`, `${n4}@1.0.0`]);
      expect(await read("name", true, false)).toEqual([`${n4}@1.0.0`, `${n3}@2.0.0`, `${n2}@1.0.0`, `${n1}@1.0.0`]);
      expect(await read("name", true, true)).toEqual([
        `${n4}@1.0.0`,
        `${n3}@2.0.0`,
        `${n3}@1.0.0`,
        `${n2}@1.0.0`,
        `${n1}@1.0.0`,
      ]);
      expect(await read("updateTime", false, false)).toEqual([
        `${n2}@1.0.0`,
        `${n3}@2.0.0`,
        `${n4}@1.0.0`,
        `${n1}@1.0.0`,
      ]);
      expect(await read("updateTime", true, false)).toEqual([
        `${n1}@1.0.0`,
        `${n3}@2.0.0`,
        `${n4}@1.0.0`,
        `${n2}@1.0.0`,
      ]);
      expect(await read("updateTime", false, true)).toEqual([
        `${n2}@1.0.0`,
        `${n3}@2.0.0`,
        `${n3}@1.0.0`,
        `${n4}@1.0.0`,
        `${n1}@1.0.0`,
      ]);
      expect(await read("updateTime", true, true)).toEqual([
        `${n1}@1.0.0`,
        `${n3}@2.0.0`,
        `${n3}@1.0.0`,
        `${n4}@1.0.0`,
        `${n2}@1.0.0`,
      ]);
    });

    it("pages with size 3 through every order and mode, matching the unpaged result", async () => {
      const provider = uniqueToken();
      const clock = metaClock();
      for (let i = 0; i < 8; i++) {
        const name = uniqueName(`pg${i % 3}`);
        await store.insertVersion(newRecord(name, "1.0.0", { provider }), clock());
        await store.insertVersion(newRecord(name, "1.1.0", { provider }), clock());
      }
      for (const field of ["name", "updateTime"] as const) {
        for (const descending of [false, true]) {
          for (const allVersions of [false, true]) {
            const query = {
              filter: { provider, includeDeprecated: true },
              allVersions,
              orderBy: { field, descending },
            };
            const whole = await listAll(query);
            expect(whole).toHaveLength(allVersions ? 16 : 8);
            const paged = await listAll(query, 3);
            expect(paged.map(rowKey)).toEqual(whole.map(rowKey));
            const first = await store.list({ ...query, pageSize: 3 });
            expect(first.items).toHaveLength(3);
            expect(first.nextCursor).toBeDefined();
          }
        }
      }
    });

    it("ends with no next cursor when the last page is exactly full", async () => {
      const provider = uniqueToken();
      const clock = metaClock();
      for (let i = 0; i < 6; i++)
        await store.insertVersion(newRecord(uniqueName("exact"), "1.0.0", { provider }), clock());
      const query = { filter: { provider, includeDeprecated: true }, allVersions: false, orderBy: byName };
      const first = await store.list({ ...query, pageSize: 3 });
      const second = await store.list({ ...query, pageSize: 3, cursor: first.nextCursor! });
      expect(second.items).toHaveLength(3);
      expect(second.nextCursor).toBeUndefined();
    });

    it("keeps every pre-existing component exactly once across pages while writes happen", async () => {
      const provider = uniqueToken();
      const clock = metaClock();
      const stem = uniqueName("live");
      const pad = (n: number) => String(n).padStart(3, "0");
      const existing = Array.from({ length: 12 }, (_, i) => `${stem}-${pad((i + 1) * 10)}`);
      for (const name of existing) {
        await store.insertVersion(newRecord(name, "1.0.0", { provider }), clock());
        await store.insertVersion(newRecord(name, "1.1.0", { provider }), clock());
      }
      let combo = 0;
      for (const descending of [false, true]) {
        for (const allVersions of [false, true]) {
          combo += 1;
          const query = {
            filter: { provider, includeDeprecated: true },
            allVersions,
            orderBy: { field: "name" as const, descending },
          };
          const burst = async (round: number) => {
            if (round > 5) return;
            const fresh = `${stem}-${pad(round * 20 + 5)}-${combo}`;
            const victim = existing[(round * 5) % existing.length]!;
            const other = existing[(round * 7 + 3) % existing.length]!;
            await Promise.all([
              store.insertVersion(newRecord(fresh, "1.0.0", { provider }), clock()),
              store.insertVersion(newRecord(victim, `2.${combo}.${round}`, { provider }), clock()),
              store.updateVersion(other, "1.0.0", { description: `round ${round}` }, clock()),
              store.updateVersion(other, "1.1.0", { labels: { round: String(round) } }, clock()),
            ]);
            if (round % 2 === 1) await store.deleteVersions(fresh, "all", clock());
          };
          const seen: string[] = [];
          let cursor: string | undefined;
          let round = 0;
          do {
            const [page] = await Promise.all([
              store.list({ ...query, pageSize: 3, ...(cursor ? { cursor } : {}) }),
              burst(round),
            ]);
            round += 1;
            seen.push(...page.items.map((r) => (allVersions ? rowKey(r) : r.name)));
            cursor = page.nextCursor;
            expect(round).toBeLessThan(60);
          } while (cursor);
          expect(new Set(seen).size).toBe(seen.length);
          const expected = allVersions ? existing.flatMap((n) => [`${n}@1.1.0`, `${n}@1.0.0`]) : existing;
          for (const key of expected) expect(seen.filter((s) => s === key)).toHaveLength(1);
        }
      }
    });

    it("keeps every pre-existing component exactly once in updateTime order while inserts happen", async () => {
      const provider = uniqueToken();
      const clock = metaClock();
      const existing: string[] = [];
      for (let i = 0; i < 10; i++) {
        const name = uniqueName("live-time");
        existing.push(name);
        await store.insertVersion(newRecord(name, "1.0.0", { provider }), clock());
      }
      let combo = 0;
      for (const descending of [false, true]) {
        for (const allVersions of [false, true]) {
          combo += 1;
          const query = {
            filter: { provider, includeDeprecated: true },
            allVersions,
            orderBy: { field: "updateTime" as const, descending },
          };
          const seen: string[] = [];
          let cursor: string | undefined;
          let round = 0;
          do {
            const writes =
              round < 4
                ? Promise.all([
                    store.insertVersion(newRecord(uniqueName("live-time-new"), "1.0.0", { provider }), clock()),
                    store.insertVersion(newRecord(existing[round]!, `1.${round + 1}.${combo}`, { provider }), clock()),
                  ])
                : Promise.resolve();
            const [page] = await Promise.all([
              store.list({ ...query, pageSize: 3, ...(cursor ? { cursor } : {}) }),
              writes,
            ]);
            round += 1;
            seen.push(...page.items.map(rowKey));
            cursor = page.nextCursor;
            expect(round).toBeLessThan(60);
          } while (cursor);
          expect(new Set(seen).size).toBe(seen.length);
          if (allVersions) {
            for (const name of existing) expect(seen.filter((s) => s === `${name}@1.0.0`)).toHaveLength(1);
          } else {
            const untouched = existing.slice(4);
            for (const name of untouched) expect(seen.filter((s) => s.startsWith(`${name}@`))).toHaveLength(1);
          }
        }
      }
    });

    it("rejects a page cursor it did not issue with INVALID_ARGUMENT", async () => {
      const query = { filter: only([uniqueName("cursor")]), allVersions: false, orderBy: byName, pageSize: 3 };
      await expectCode(store.list({ ...query, cursor: "not-a-cursor" }), "INVALID_ARGUMENT");
      await expectCode(
        store.search({ terms: ["x"], filter: { includeDeprecated: true }, pageSize: 3, cursor: "%%%" }),
        "INVALID_ARGUMENT",
      );
    });

    it("reports a revision at least as new as the writes before the read", async () => {
      const name = uniqueName("page-rev");
      const event = await store.insertVersion(newRecord(name, "1.0.0"), metaClock()());
      const page = await store.list({ filter: only([name]), allVersions: false, orderBy: byName, pageSize: 10 });
      expect(page.revision).toBeGreaterThanOrEqual(event.revision);
      const found = await store.search({ terms: [name], filter: only([name]), pageSize: 10 });
      expect(found.revision).toBeGreaterThanOrEqual(event.revision);
    });
  });
}
