/**
 * Writes schema/component-definition.schema.json from the definition parser's
 * field list (src/catalog/sync/definition-fields.ts).
 *   npx tsx scripts/generate-schema.ts          write the file
 *   npx tsx scripts/generate-schema.ts --check  exit 1 when the file is stale (CI)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { componentDefinitionSchemaText, SCHEMA_PATH } from "../src/catalog/sync/json-schema.js";

const target = fileURLToPath(new URL(`../${SCHEMA_PATH}`, import.meta.url));
const wanted = componentDefinitionSchemaText();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // A missing file is stale too.
  }
  if (current !== wanted) {
    process.stderr.write(`${SCHEMA_PATH} is stale: run npx tsx scripts/generate-schema.ts and commit it\n`);
    process.exit(1);
  }
} else {
  writeFileSync(target, wanted);
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
