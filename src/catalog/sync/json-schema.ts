/**
 * The JSON Schema (draft 2020-12) of a component definition document, for
 * editors (YAML language server, VS Code). Generated from DEFINITION_SHAPE,
 * the same declaration the parser checks against; scripts/generate-schema.ts
 * writes it to schema/component-definition.schema.json and a test fails when
 * the checked-in file drifts.
 */
import { DEFINITION_SHAPE, type FieldShape } from "./definition-fields.js";

export const SCHEMA_PATH = "schema/component-definition.schema.json";
const SCHEMA_ID = "https://catalog.nestor.io/schema/component-definition.schema.json";

type Schema = { [key: string]: unknown };

function schemaOf(shape: FieldShape): Schema {
  const described = (schema: Schema): Schema => ({ description: shape.description, ...schema });
  switch (shape.kind) {
    case "string":
      return described({
        type: "string",
        ...(shape.enum ? { enum: [...shape.enum] } : {}),
        ...(shape.pattern ? { pattern: shape.pattern } : {}),
        ...(shape.maxLength !== undefined ? { maxLength: shape.maxLength } : {}),
      });
    case "boolean":
      return described({ type: "boolean" });
    case "number":
      return described({
        type: shape.integer ? "integer" : "number",
        ...(shape.minimum !== undefined ? { minimum: shape.minimum } : {}),
      });
    case "json":
      return described({});
    case "jsonObject":
      return described({ type: "object" });
    case "stringMap":
      return described({ type: "object", additionalProperties: { type: "string" } });
    case "list":
      return described({ type: "array", items: schemaOf(shape.items) });
    case "object":
      return described({
        type: "object",
        properties: Object.fromEntries(Object.entries(shape.fields).map(([key, field]) => [key, schemaOf(field)])),
        ...(shape.required && shape.required.length > 0 ? { required: [...shape.required] } : {}),
        additionalProperties: false,
      });
  }
}

/** The schema document as written to SCHEMA_PATH (stable key order, trailing newline). */
export function componentDefinitionSchemaText(): string {
  const schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: SCHEMA_ID,
    title: "Nestor ComponentDefinition",
    ...schemaOf(DEFINITION_SHAPE),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
