// Grafana dashboard checks: every panel query and query variable names only
// listed metrics and labels (metrics.go), and every query goes through the
// dashboard's Prometheus datasource variable, so the dashboard imports into
// any Grafana whatever its datasource is called.
package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// labelValues is Grafana's Prometheus variable query label_values(selector, label).
var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

func (c *metricCatalog) checkDashboard(path string) ([]string, int, error) {
	doc, err := decodeJSONFile(path)
	if err != nil {
		return nil, 0, err
	}
	if err := checkDashboardSchema(path); err != nil {
		return nil, 0, err
	}
	datasourceVariable, problems := findDatasourceVariable(path, doc)
	checked := 0
	var walk func(panels []any)
	walk = func(panels []any) {
		for _, item := range panels {
			panel, ok := item.(map[string]any)
			if !ok {
				continue
			}
			title := jsonString(panel, "title")
			nested, _ := panel["panels"].([]any)
			walk(nested)
			targets, _ := panel["targets"].([]any)
			for _, t := range targets {
				target, ok := t.(map[string]any)
				if !ok {
					continue
				}
				where := fmt.Sprintf("%s: panel %q", path, title)
				problems = append(problems, checkDatasource(where, target["datasource"], datasourceVariable)...)
				expr := jsonString(target, "expr")
				if expr == "" {
					problems = append(problems, where+": a target without a PromQL expr")
					continue
				}
				problems = append(problems, c.checkExpr(where, expr)...)
				checked++
			}
		}
	}
	panels, _ := doc["panels"].([]any)
	walk(panels)
	found, variables := c.checkQueryVariables(path, doc)
	return append(problems, found...), checked + variables, nil
}

// checkDashboardSchema decodes the dashboard with the Grafana Foundation SDK's
// strict decoder (the dashboard schema Grafana publishes, with the panel and
// Prometheus query schemas registered): unknown fields, wrong types and
// missing required fields fail, then the SDK's own validation runs.
func checkDashboardSchema(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	plugins.RegisterDefaultPlugins()
	var board dashboard.Dashboard
	if err := sdkError(board.UnmarshalJSONStrict(raw)); err != nil {
		return fmt.Errorf("%s: not a valid Grafana dashboard:\n%w", path, err)
	}
	if err := sdkError(board.Validate()); err != nil {
		return fmt.Errorf("%s: not a valid Grafana dashboard:\n%w", path, err)
	}
	return nil
}

// sdkError maps the SDK's empty error list (it returns a nil cog.BuildErrors
// as a non-nil error) to nil.
func sdkError(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	if err != nil && strings.TrimSpace(err.Error()) == "" {
		return fmt.Errorf("%T without a message", err)
	}
	return err
}

// findDatasourceVariable returns "${name}" of the dashboard's Prometheus datasource variable.
func findDatasourceVariable(path string, doc map[string]any) (string, []string) {
	for _, variable := range templateVariables(doc) {
		if jsonString(variable, "type") == "datasource" && jsonString(variable, "query") == "prometheus" {
			return "${" + jsonString(variable, "name") + "}", nil
		}
	}
	return "", []string{path + ": no datasource variable of type prometheus in templating.list"}
}

func checkDatasource(where string, raw any, variable string) []string {
	datasource, _ := raw.(map[string]any)
	if datasource == nil || jsonString(datasource, "uid") != variable || jsonString(datasource, "type") != "prometheus" {
		return []string{fmt.Sprintf("%s: a query whose datasource is not {type: prometheus, uid: %q}", where, variable)}
	}
	return nil
}

func templateVariables(doc map[string]any) []map[string]any {
	templating, _ := doc["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	var variables []map[string]any
	for _, item := range list {
		if variable, ok := item.(map[string]any); ok {
			variables = append(variables, variable)
		}
	}
	return variables
}

func (c *metricCatalog) checkQueryVariables(path string, doc map[string]any) ([]string, int) {
	var problems []string
	checked := 0
	for _, variable := range templateVariables(doc) {
		if jsonString(variable, "type") != "query" {
			continue
		}
		query := jsonString(variable, "query")
		if object, ok := variable["query"].(map[string]any); ok {
			query = jsonString(object, "query")
		}
		where := fmt.Sprintf("%s: variable %q", path, jsonString(variable, "name"))
		match := labelValues.FindStringSubmatch(query)
		if match == nil {
			problems = append(problems, fmt.Sprintf("%s: query %q is not label_values(selector, label)", where, query))
			continue
		}
		// label_values(selector, label) asks for the label's values on the selected series.
		problems = append(problems, c.checkExpr(where, fmt.Sprintf("count by (%s) (%s)", match[2], match[1]))...)
		checked++
	}
	return problems, checked
}
