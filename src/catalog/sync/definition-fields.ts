/**
 * The shape of a component definition file, declared once. The parser
 * (definition.ts) checks documents against it and the JSON Schema for editors
 * (json-schema.ts → schema/component-definition.schema.json) is generated
 * from it, so the two cannot drift apart. Deeper rules (DNS-1123 names,
 * SemVer, label syntax, regex safety, defaults against their own rules) stay
 * in validation.ts, which the Manager applies to every publish.
 */
import { VALUE_TYPES } from "../../storage/records.js";

export const DEFINITION_API_VERSION = "catalog.nestor.io/v1";
export const DEFINITION_KIND = "ComponentDefinition";

export type FieldShape =
  | { kind: "string"; description: string; enum?: readonly string[]; pattern?: string; maxLength?: number }
  | { kind: "boolean"; description: string }
  | { kind: "number"; description: string; integer?: boolean; minimum?: number }
  | { kind: "json"; description: string }
  | { kind: "jsonObject"; description: string }
  | { kind: "stringMap"; description: string }
  | { kind: "list"; description: string; items: FieldShape }
  | ObjectShape;

export interface ObjectShape {
  kind: "object";
  description: string;
  fields: Readonly<Record<string, FieldShape>>;
  required?: readonly string[];
}

const validationRules: ObjectShape = {
  kind: "object",
  description: "Rules a value for this input must satisfy.",
  fields: {
    minLength: {
      kind: "number",
      integer: true,
      minimum: 0,
      description: "Minimum length of a string (characters) or list (elements).",
    },
    maxLength: {
      kind: "number",
      integer: true,
      minimum: 0,
      description: "Maximum length of a string (characters) or list (elements).",
    },
    pattern: { kind: "string", maxLength: 1024, description: "Regular expression the whole string value must match." },
    allowedValues: {
      kind: "list",
      items: { kind: "json", description: "An allowed value." },
      description: "The only values accepted.",
    },
    minimum: { kind: "number", description: "Smallest accepted number." },
    maximum: { kind: "number", description: "Largest accepted number." },
  },
};

const valueType = { kind: "string", enum: VALUE_TYPES, description: "Value type." } as const;

/** The fields inputs and outputs share. */
function elementFields(kind: "Input" | "Output"): Record<string, FieldShape> {
  return {
    name: {
      kind: "string",
      pattern: "^[A-Za-z][A-Za-z0-9_]{0,127}$",
      description: `${kind} name, unique in the component.`,
    },
    type: valueType,
    description: { kind: "string", maxLength: 2048, description: `What the ${kind.toLowerCase()} means.` },
    sensitive: { kind: "boolean", description: "True for secrets (default false)." },
  };
}

const input: ObjectShape = {
  kind: "object",
  description: "One input the component accepts.",
  required: ["name", "type"],
  fields: {
    ...elementFields("Input"),
    default: { kind: "json", description: "Default value; not allowed on a required input." },
    required: { kind: "boolean", description: "True when the user must give a value (default false)." },
    validation: validationRules,
  },
};

const output: ObjectShape = {
  kind: "object",
  description: "One output the component produces.",
  required: ["name", "type"],
  fields: elementFields("Output"),
};

/** The whole document: the single source of truth for keys, nesting and scalar types. */
export const DEFINITION_SHAPE: ObjectShape = {
  kind: "object",
  description: "A Nestor component definition: one version of one infrastructure component.",
  required: ["apiVersion", "kind", "metadata", "spec"],
  fields: {
    apiVersion: { kind: "string", enum: [DEFINITION_API_VERSION], description: "Format version." },
    kind: { kind: "string", enum: [DEFINITION_KIND], description: "Document kind." },
    metadata: {
      kind: "object",
      description: "Identity and classification of the version.",
      required: ["name", "version", "provider", "category"],
      fields: {
        name: {
          kind: "string",
          pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
          description: "Component name: a DNS-1123 label.",
        },
        version: { kind: "string", description: "SemVer 2.0 version without a leading 'v', e.g. 1.2.0." },
        provider: {
          kind: "string",
          pattern: "^[a-z0-9][a-z0-9\\-_.]{0,62}$",
          description: "Cloud or platform provider, e.g. aws.",
        },
        category: { kind: "string", pattern: "^[a-z0-9][a-z0-9\\-_.]{0,62}$", description: "Category, e.g. database." },
        labels: { kind: "stringMap", description: "Labels for filtering (Kubernetes label rules)." },
      },
    },
    spec: {
      kind: "object",
      description: "The component's contract.",
      required: ["deployment"],
      fields: {
        description: { kind: "string", maxLength: 4096, description: "Human-readable description." },
        inputs: { kind: "list", items: input, description: "Inputs, in declaration order." },
        outputs: { kind: "list", items: output, description: "Outputs, in declaration order." },
        deployment: {
          kind: "object",
          description: "How the component is deployed.",
          required: ["engine"],
          fields: {
            engine: {
              kind: "string",
              pattern: "^[a-z0-9][a-z0-9\\-_.]{0,62}$",
              description: "Deployment engine, e.g. terraform.",
            },
            engineVersion: { kind: "string", maxLength: 128, description: "Engine version or constraint." },
            config: { kind: "jsonObject", description: "Engine-specific configuration (any JSON object)." },
          },
        },
      },
    },
  },
};

/**
 * Where each Manager field (validation.ts paths under `component.`) lives in
 * a definition document, so a rule violation points at the right line.
 */
export const DRAFT_FIELD_TO_DOCUMENT_PATH: Readonly<Record<string, readonly string[]>> = {
  name: ["metadata", "name"],
  version: ["metadata", "version"],
  provider: ["metadata", "provider"],
  category: ["metadata", "category"],
  labels: ["metadata", "labels"],
  description: ["spec", "description"],
  inputs: ["spec", "inputs"],
  outputs: ["spec", "outputs"],
  deployment: ["spec", "deployment"],
};
