/**
 * version_order in the one SemVer sort key every backend indexes
 * (core/ordering.ts sortableVersion), recomputed for every stored version.
 * The down step writes the key this schema held before, kept here as it was
 * (a migration is history: it never changes after it has shipped).
 */
import { parseVersion } from "../../../semver/index.js";
import { sortableVersion } from "../../core/ordering.js";
import type { SqlSession } from "../../sql/dialect.js";
import type { Migration } from "../../sql/migrate.js";

const BATCH = 1_000;

export const migration: Migration = {
  id: "20261204_004_sortable_version_order",
  steps: [{ up: (session) => rewrite(session, sortableVersion), down: (session) => rewrite(session, previousKey) }],
};

/** Rewrites version_order of every row with `key`, a batch of rows per statement. */
async function rewrite(session: SqlSession, key: (version: string) => string): Promise<void> {
  let after = { name: "", versionKey: "" };
  for (;;) {
    const rows = await session.rows<{ name: string; version_key: string; version: string }>({
      text:
        "SELECT name, version_key, version FROM component_versions WHERE (name, version_key) > ($1, $2) " +
        "ORDER BY name, version_key LIMIT $3",
      values: [after.name, after.versionKey, BATCH],
    });
    if (rows.length === 0) return;
    await session.run({
      text:
        "UPDATE component_versions c SET version_order = u.version_order " +
        "FROM unnest($1::text[], $2::text[], $3::text[]) AS u(name, version_key, version_order) " +
        "WHERE c.name = u.name AND c.version_key = u.version_key",
      values: [rows.map((row) => row.name), rows.map((row) => row.version_key), rows.map((row) => key(row.version))],
    });
    const last = rows[rows.length - 1]!;
    after = { name: last.name, versionKey: last.version_key };
  }
}

/** The order key of migration 001: zero-padded core, "~" for a release, length-prefixed numeric identifiers. */
function previousKey(version: string): string {
  const parsed = parseVersion(version);
  if (!parsed) throw new Error(`not a SemVer version: ${version}`);
  const core = [parsed.major, parsed.minor, parsed.patch].map((part) => String(part).padStart(16, "0")).join(".");
  if (parsed.prerelease.length === 0) return `${core}~`;
  const identifiers = parsed.prerelease.map((identifier) => {
    const text = String(identifier);
    return /^[0-9]+$/.test(text) ? `0${String(text.length).padStart(2, "0")}${text}` : `1${text}`;
  });
  return `${core}-${identifiers.join("!")}`;
}
