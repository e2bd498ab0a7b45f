// The schemas command builds the local schema location kubeconform validates
// deploy/kubernetes against, with no network:
//
//   - the Kubernetes API definitions come from the full `_definitions.json`
//     the kubeconform module ships in fixtures/cache (found by its content,
//     since the cache names files by a hash of their URL);
//   - the ServiceMonitor schema comes from the CustomResourceDefinition that
//     controller-gen generates from the prometheus-operator Go types.
//
// Both are made strict the way kubeconform's openapi2jsonschema.py and the
// "-standalone-strict" schemas of kubernetes-json-schema are: every object
// that lists its properties refuses any other. Each kind gets a standalone
// file (its schema plus the definitions it refers to, so kubeconform parses
// kilobytes per kind rather than the whole API) named the way kubeconform's
// schema-location template `{{ .ResourceKind }}{{ .KindSuffix }}.json` spells
// it (deployment-apps-v1.json, service-v1.json, servicemonitor-monitoring-v1.json).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

const definitionsPrefix = "#/definitions/"

// objectMeta is the Kubernetes ObjectMeta definition; a CRD schema leaves
// metadata open, the API server checks it as ObjectMeta.
const objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

type groupVersionKind struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

func runSchemas(args []string) error {
	flags := flag.NewFlagSet("schemas", flag.ContinueOnError)
	fixtures := flags.String("k8s-fixtures", "", "kubeconform's fixtures/cache directory (holds a _definitions.json)")
	out := flags.String("out", "", "directory to write the schema location into")
	var crds stringList
	flags.Var(&crds, "crd", "CustomResourceDefinition YAML to convert (repeatable)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *fixtures == "" || *out == "" {
		return errors.New("schemas: -k8s-fixtures and -out are required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	definitions, err := findDefinitions(*fixtures)
	if err != nil {
		return err
	}
	for _, definition := range definitions {
		denyAdditionalProperties(definition)
	}
	written, err := writeKubernetesSchemas(definitions, *out)
	if err != nil {
		return err
	}
	for _, crd := range crds {
		names, err := writeCRDSchemas(crd, definitions, *out)
		if err != nil {
			return fmt.Errorf("%s: %w", crd, err)
		}
		written += len(names)
	}
	fmt.Fprintf(os.Stderr, "schemas: %d kind schemas in %s\n", written, *out)
	return nil
}

// findDefinitions returns the definitions of the one file in dir that holds
// the Kubernetes API ("definitions" with io.k8s.api.apps.v1.Deployment).
func findDefinitions(dir string) (map[string]any, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, entry := range entries {
		if entry.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, entry.Name()))
		if err != nil {
			return nil, err
		}
		var doc struct {
			Definitions map[string]any `json:"definitions"`
		}
		if json.Unmarshal(raw, &doc) != nil {
			continue
		}
		if _, ok := doc.Definitions["io.k8s.api.apps.v1.Deployment"]; ok {
			return doc.Definitions, nil
		}
	}
	return nil, fmt.Errorf("no file in %s holds Kubernetes definitions (io.k8s.api.apps.v1.Deployment)", dir)
}

func writeKubernetesSchemas(definitions map[string]any, out string) (int, error) {
	written := 0
	for _, definition := range definitions {
		for _, gvk := range gvksOf(definition) {
			if err := writeJSON(filepath.Join(out, kindFileName(gvk)), standalone(definition, definitions)); err != nil {
				return written, err
			}
			written++
		}
	}
	return written, nil
}

// standalone returns schema with the definitions it refers to, directly or
// not, under "definitions" (its references are all "#/definitions/...").
func standalone(schema any, definitions map[string]any) map[string]any {
	needed := map[string]any{}
	var collect func(node any)
	collect = func(node any) {
		switch value := node.(type) {
		case map[string]any:
			for key, child := range value {
				ref, isRef := child.(string)
				if key == "$ref" && isRef && strings.HasPrefix(ref, definitionsPrefix) {
					name := strings.TrimPrefix(ref, definitionsPrefix)
					if _, seen := needed[name]; !seen {
						needed[name] = definitions[name]
						collect(definitions[name])
					}
					continue
				}
				collect(child)
			}
		case []any:
			for _, child := range value {
				collect(child)
			}
		}
	}
	collect(schema)
	out := map[string]any{}
	for key, value := range schema.(map[string]any) {
		out[key] = value
	}
	out["definitions"] = needed
	return out
}

func gvksOf(definition any) []groupVersionKind {
	object, ok := definition.(map[string]any)
	if !ok {
		return nil
	}
	raw, err := json.Marshal(object["x-kubernetes-group-version-kind"])
	if err != nil {
		return nil
	}
	var gvks []groupVersionKind
	if json.Unmarshal(raw, &gvks) != nil {
		return nil
	}
	return gvks
}

// kindFileName spells a kind's file the way kubeconform's registry does:
// lower-case kind, the group's first DNS label, the version.
func kindFileName(gvk groupVersionKind) string {
	suffix := ""
	if gvk.Group != "" {
		suffix = "-" + strings.ToLower(strings.Split(gvk.Group, ".")[0])
	}
	return strings.ToLower(gvk.Kind) + suffix + "-" + strings.ToLower(gvk.Version) + ".json"
}

type customResourceDefinition struct {
	Kind string `json:"kind"`
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

func writeCRDSchemas(path string, definitions map[string]any, out string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crd customResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return nil, err
	}
	if crd.Kind != "CustomResourceDefinition" || len(crd.Spec.Versions) == 0 {
		return nil, errors.New("not a CustomResourceDefinition with versions")
	}
	var names []string
	for _, version := range crd.Spec.Versions {
		schema := version.Schema.OpenAPIV3Schema
		if schema == nil {
			return nil, fmt.Errorf("version %s has no openAPIV3Schema", version.Name)
		}
		denyAdditionalProperties(schema)
		if properties, ok := schema["properties"].(map[string]any); ok {
			properties["metadata"] = map[string]any{"$ref": definitionsPrefix + objectMeta}
		}
		name := kindFileName(groupVersionKind{Group: crd.Spec.Group, Version: version.Name, Kind: crd.Spec.Names.Kind})
		if err := writeJSON(filepath.Join(out, name), standalone(schema, definitions)); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// denyAdditionalProperties walks a schema (through its subschemas only, never
// into enum, default or example values) and closes every object that lists
// its properties, unless it keeps unknown fields on purpose; OpenAPI's
// `nullable` becomes a JSON Schema "null" type.
func denyAdditionalProperties(node any) {
	schema, ok := node.(map[string]any)
	if !ok {
		return
	}
	_, hasProperties := schema["properties"]
	_, hasAdditional := schema["additionalProperties"]
	preserve, _ := schema["x-kubernetes-preserve-unknown-fields"].(bool)
	if hasProperties && !hasAdditional && !preserve {
		schema["additionalProperties"] = false
	}
	if nullable, _ := schema["nullable"].(bool); nullable {
		if kind, ok := schema["type"].(string); ok {
			schema["type"] = []any{kind, "null"}
		}
	}
	for key, child := range schema {
		switch key {
		case "properties", "patternProperties", "definitions":
			if named, ok := child.(map[string]any); ok {
				for _, subschema := range named {
					denyAdditionalProperties(subschema)
				}
			}
		case "items", "additionalProperties", "not":
			denyAdditionalProperties(child)
			if list, ok := child.([]any); ok {
				for _, subschema := range list {
					denyAdditionalProperties(subschema)
				}
			}
		case "allOf", "anyOf", "oneOf":
			if list, ok := child.([]any); ok {
				for _, subschema := range list {
					denyAdditionalProperties(subschema)
				}
			}
		}
	}
}

func writeJSON(path string, value any) error {
	raw, err := json.MarshalIndent(value, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(value string) error {
	*s = append(*s, value)
	return nil
}
