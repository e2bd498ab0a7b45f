/**
 * Field paths on the wire: the catalog layer names fields as the domain does
 * (camelCase), the API reports them in proto names (snake_case), and this is
 * the one place that translates. The error mapping (errors.ts) applies it to
 * every field violation and message, and CompareComponentVersions to its
 * change paths.
 */
import { CatalogError } from "../errors/index.js";

/** Domain field names whose proto name is not their snake_case spelling. */
const DOMAIN_TO_WIRE_FIELD: Readonly<Record<string, string>> = {
  default: "default_value",
};

/**
 * A field path as the catalog layer writes it (domain names in camelCase:
 * `component.inputs[1].default`, `pageToken`, `inputs.size.validation.minLength`)
 * rewritten with the proto's field names (`default_value`, `page_token`,
 * `min_length`), as clients see them in BadRequest details and SpecChange
 * paths. This is the one place names are translated: the catalog layer never
 * writes proto names. Input and output names (`inputs.<name>`, and
 * `values.<name>` in ValidateInputs), bracketed keys and deployment config
 * keys are user data and stay as they are.
 */
export function wireFieldPath(path: string): string {
  const segments = splitFieldPath(path);
  let verbatim = false;
  return segments
    .map((segment, index) => {
      const previous = segments[index - 1];
      if (verbatim || previous === "inputs" || previous === "outputs" || previous === "values") return segment;
      // A field name, maybe indexed (`inputs[2]`); anything else (a header name such as Last-Event-ID) stays.
      const match = /^([a-z][A-Za-z0-9_]*)(\[.*)?$/s.exec(segment);
      if (!match) return segment;
      const [, field = "", rest = ""] = match;
      if (previous === "deployment" && field === "config") verbatim = true;
      return (DOMAIN_TO_WIRE_FIELD[field] ?? field.replace(/[A-Z]/g, (upper) => `_${upper.toLowerCase()}`)) + rest;
    })
    .join(".");
}

/** Splits at the dots outside brackets and quoted keys: `labels["a.b"].x` is two segments. */
function splitFieldPath(path: string): string[] {
  const segments: string[] = [];
  let current = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (quoted) {
      if (ch === "\\") {
        current += ch + (path[i + 1] ?? "");
        i++;
        continue;
      }
      if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "[") depth++;
    else if (ch === "]") depth = Math.max(0, depth - 1);
    else if (ch === "." && depth === 0) {
      segments.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  segments.push(current);
  return segments;
}

/** The same error with its field violations' paths in proto names (see wireFieldPath). */
export function withWireFieldPaths(err: CatalogError): CatalogError {
  if (err.code !== "INVALID_ARGUMENT" || err.fieldViolations.length === 0) return err;
  const renamed = err.fieldViolations.map((v) => ({ ...v, field: wireFieldPath(v.field) }));
  if (renamed.every((v, i) => v.field === err.fieldViolations[i]!.field)) return err;
  return CatalogError.invalid(renamed);
}
