/**
 * search: the ranking every backend shares (exact name > name contains >
 * labels, inputs, outputs > description, summed over terms), filters, latest
 * versions only, and paging.
 */
import { describe, expect, it } from "vitest";
import type { NewComponentRecord } from "../../../src/storage/records.js";
import type { ComponentFilter } from "../../../src/storage/store.js";
import { metaClock, newRecord, uniqueName, uniqueToken } from "../fixtures.js";
import type { ContractContext } from "./helpers.js";

export function defineSearchContract(ctx: ContractContext): void {
  const { store } = ctx;
  describe("search", () => {
    async function seedSearchSet() {
      const token = uniqueToken();
      const clock = metaClock();
      const exact = token;
      const nameHit = `${token}-mysql`;
      const labelHit = uniqueName("s-label");
      const inputHit = uniqueName("s-input");
      const outputHit = uniqueName("s-output");
      const descHit = uniqueName("s-desc");
      const miss = uniqueName("s-miss");
      const put = (name: string, o: Partial<NewComponentRecord> = {}) =>
        store.insertVersion(newRecord(name, "1.0.0", o), clock());
      await put(exact);
      await put(nameHit, { provider: "gcp" });
      await put(labelHit, { labels: { owner: `team-${token}` } });
      const input = newRecord(inputHit, "1.0.0").inputs[0]!;
      await put(inputHit, { inputs: [{ ...input, name: `${token}_size` }] });
      await put(outputHit, {
        outputs: [{ name: `${token}_arn`, type: "string", description: "", sensitive: false }],
      });
      await put(descHit, { description: `Mentions ${token.toUpperCase()} in prose` });
      await put(miss);
      return { token, exact, nameHit, labelHit, inputHit, outputHit, descHit, miss, clock };
    }

    it("ranks exact name over name contains over labels, inputs, outputs over description", async () => {
      const s = await seedSearchSet();
      const page = await store.search({ terms: [s.token], filter: { includeDeprecated: true }, pageSize: 50 });
      const names = page.items.map((i) => i.component.name);
      const score = (name: string) => page.items.find((i) => i.component.name === name)!.score;
      expect(names.slice(0, 2)).toEqual([s.exact, s.nameHit]);
      expect(new Set(names.slice(2, 5))).toEqual(new Set([s.labelHit, s.inputHit, s.outputHit]));
      expect(names[5]).toBe(s.descHit);
      expect(names).toHaveLength(6);
      expect(score(s.exact)).toBeGreaterThan(score(s.nameHit));
      for (const n of [s.labelHit, s.inputHit, s.outputHit]) {
        expect(score(s.nameHit)).toBeGreaterThan(score(n));
        expect(score(n)).toBeGreaterThan(score(s.descHit));
      }
      for (let i = 1; i < page.items.length; i++) {
        const [prev, next] = [page.items[i - 1]!, page.items[i]!];
        expect(
          prev.score > next.score || (prev.score === next.score && prev.component.name < next.component.name),
        ).toBe(true);
      }
    });

    it("requires every term to match and applies the filter", async () => {
      const s = await seedSearchSet();
      const search = async (terms: string[], filter: Partial<ComponentFilter> = {}) =>
        (await store.search({ terms, filter: { includeDeprecated: true, ...filter }, pageSize: 50 })).items.map(
          (i) => i.component.name,
        );
      expect(await search([s.token, "mysql"])).toContain(s.nameHit);
      expect(await search([s.token, "mysql"])).not.toContain(s.labelHit);
      expect(await search([s.token, uniqueToken()])).toEqual([]);
      expect(await search([s.token], { provider: "gcp" })).toEqual([s.nameHit]);
      expect(await search([s.token], { names: [s.descHit, s.miss] })).toEqual([s.descHit]);
      await store.updateVersion(s.exact, "1.0.0", { deprecation: { deprecated: true, message: "x" } }, s.clock());
      expect(await search([s.token], { includeDeprecated: false })).not.toContain(s.exact);
      expect(await search([s.token], { includeDeprecated: true })).toContain(s.exact);
    });

    it("searches only the latest version of each component", async () => {
      const token = uniqueToken();
      const name = uniqueName("s-latest");
      const clock = metaClock();
      await store.insertVersion(newRecord(name, "1.0.0", { description: `old ${token}` }), clock());
      const found = await store.search({ terms: [token], filter: { includeDeprecated: true }, pageSize: 10 });
      expect(found.items.map((i) => i.component.version)).toEqual(["1.0.0"]);
      await store.insertVersion(newRecord(name, "2.0.0", { description: "new" }), clock());
      const after = await store.search({ terms: [token], filter: { includeDeprecated: true }, pageSize: 10 });
      expect(after.items).toEqual([]);
    });

    it("pages search results with cursors, matching the unpaged ranking", async () => {
      const s = await seedSearchSet();
      const query = { terms: [s.token], filter: { includeDeprecated: true }, pageSize: 50 };
      const whole = (await store.search(query)).items.map((i) => i.component.name);
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.search({ ...query, pageSize: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.items.map((i) => i.component.name));
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged).toEqual(whole);
    });
  });
}
