// The metrics command checks that every PromQL expression operators get from
// deploy/ (alert rules, their unit tests, the Grafana dashboard) names only
// metrics and labels the catalog exports, as listed in deploy/prometheus/metrics.txt.
// A typo in a metric or label name does not fail a query: it returns nothing,
// so an alert never fires and a panel stays empty. Expressions are parsed by
// Prometheus' own PromQL parser, not by pattern matching.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// targetLabels are attached by Prometheus and the ServiceMonitor to every
// scraped series, whatever the metric.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "container", "endpoint"}

// builtinMetrics are written by Prometheus itself for every target.
var builtinMetrics = map[string][]string{"up": nil}

type metricCatalog struct {
	// labels of each series name (a histogram contributes _bucket, _sum and _count).
	labels map[string]map[string]bool
}

func loadCatalog(path string) (*metricCatalog, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	catalog := &metricCatalog{labels: map[string]map[string]bool{}}
	for name, extra := range builtinMetrics {
		catalog.add(name, extra)
	}
	scanner := bufio.NewScanner(file)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 2 || len(fields) > 3 {
			return nil, fmt.Errorf("%s:%d: want \"name type [label,label...]\", got %q", path, line, text)
		}
		var metricLabels []string
		if len(fields) == 3 {
			metricLabels = strings.Split(fields[2], ",")
		}
		switch fields[1] {
		case "counter", "gauge":
			catalog.add(fields[0], metricLabels)
		case "histogram":
			catalog.add(fields[0]+"_bucket", append(metricLabels, "le"))
			catalog.add(fields[0]+"_sum", metricLabels)
			catalog.add(fields[0]+"_count", metricLabels)
		default:
			return nil, fmt.Errorf("%s:%d: type %q is not counter, gauge or histogram", path, line, fields[1])
		}
	}
	return catalog, scanner.Err()
}

func (c *metricCatalog) add(name string, metricLabels []string) {
	set := map[string]bool{}
	for _, label := range append(metricLabels, targetLabels...) {
		set[label] = true
	}
	c.labels[name] = set
}

// grafanaIntervals stand in for Grafana's built-in range variables so the
// expression parses; their value does not matter to the check.
var grafanaIntervals = regexp.MustCompile(`\$\{?__(rate_interval|interval|range)\}?`)

// checkExpr returns one message per unknown metric or label in expr.
func (c *metricCatalog) checkExpr(where, expr string) []string {
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaIntervals.ReplaceAllString(expr, "5m"))
	if err != nil {
		return []string{fmt.Sprintf("%s: %q does not parse: %v", where, strings.Join(strings.Fields(expr), " "), err)}
	}
	var problems []string
	inScope := map[string]bool{}
	var grouping []string
	parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			problems = append(problems, c.checkSelector(where, n.LabelMatchers, inScope)...)
		case *parser.AggregateExpr:
			grouping = append(grouping, n.Grouping...)
		case *parser.BinaryExpr:
			if n.VectorMatching != nil {
				grouping = append(grouping, n.VectorMatching.MatchingLabels...)
				grouping = append(grouping, n.VectorMatching.Include...)
			}
		case *parser.Call:
			// label_replace(v, dst, ...) and label_join(v, dst, ...) create the label dst.
			if (n.Func.Name == "label_replace" || n.Func.Name == "label_join") && len(n.Args) > 1 {
				if dst, ok := n.Args[1].(*parser.StringLiteral); ok {
					inScope[dst.Val] = true
				}
			}
		}
		return nil
	})
	if len(problems) > 0 {
		return problems // an unknown metric leaves its labels unknown too: one message is enough
	}
	for _, label := range grouping {
		if !inScope[label] {
			problems = append(problems, fmt.Sprintf("%s: groups or matches by label %q, which no metric in %q has",
				where, label, strings.Join(strings.Fields(expr), " ")))
		}
	}
	return problems
}

func (c *metricCatalog) checkSelector(where string, matchers []*labels.Matcher, inScope map[string]bool) []string {
	name := ""
	for _, m := range matchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			name = m.Value
		}
	}
	if name == "" {
		return []string{fmt.Sprintf("%s: a selector without a metric name: name each metric", where)}
	}
	known, ok := c.labels[name]
	if !ok {
		return []string{fmt.Sprintf("%s: unknown metric %q (not in the metric list)", where, name)}
	}
	for label := range known {
		inScope[label] = true
	}
	var problems []string
	for _, m := range matchers {
		if m.Name != labels.MetricName && !known[m.Name] {
			problems = append(problems, fmt.Sprintf("%s: metric %q has no label %q", where, name, m.Name))
		}
	}
	return problems
}

func (c *metricCatalog) checkSeries(where, series string) []string {
	lbls, _, err := parser.NewParser(parser.Options{}).ParseSeriesDesc(series)
	if err != nil {
		return []string{fmt.Sprintf("%s: series %q does not parse: %v", where, series, err)}
	}
	var matchers []*labels.Matcher
	lbls.Range(func(l labels.Label) {
		matchers = append(matchers, labels.MustNewMatcher(labels.MatchEqual, l.Name, l.Value))
	})
	return c.checkSelector(where, matchers, map[string]bool{})
}

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert  string `json:"alert"`
			Record string `json:"record"`
			Expr   string `json:"expr"`
		} `json:"rules"`
	} `json:"groups"`
}

func (c *metricCatalog) checkRules(path string) ([]string, int, error) {
	var rules ruleFile
	if err := readYAML(path, &rules); err != nil {
		return nil, 0, err
	}
	var problems []string
	checked := 0
	for _, group := range rules.Groups {
		for _, rule := range group.Rules {
			name := rule.Alert
			if rule.Record != "" {
				name = rule.Record
				c.labels[rule.Record] = nil // a recording rule's labels are whatever its expression keeps
			}
			problems = append(problems, c.checkExpr(fmt.Sprintf("%s: rule %s", path, name), rule.Expr)...)
			checked++
		}
	}
	return problems, checked, nil
}

type ruleTestFile struct {
	Tests []struct {
		Name        string `json:"name"`
		InputSeries []struct {
			Series string `json:"series"`
		} `json:"input_series"`
		PromQLTests []struct {
			Expr string `json:"expr"`
		} `json:"promql_expr_test"`
	} `json:"tests"`
}

func (c *metricCatalog) checkRuleTests(path string) ([]string, int, error) {
	var tests ruleTestFile
	if err := readYAML(path, &tests); err != nil {
		return nil, 0, err
	}
	var problems []string
	checked := 0
	for i, test := range tests.Tests {
		where := fmt.Sprintf("%s: test %d (%s)", path, i+1, test.Name)
		for _, input := range test.InputSeries {
			problems = append(problems, c.checkSeries(where, input.Series)...)
			checked++
		}
		for _, promql := range test.PromQLTests {
			problems = append(problems, c.checkExpr(where, promql.Expr)...)
			checked++
		}
	}
	return problems, checked, nil
}

func readYAML(path string, into any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func runMetrics(args []string) error {
	flags := flag.NewFlagSet("metrics", flag.ContinueOnError)
	list := flags.String("metrics", "", "the metric list (name type labels)")
	var rules, ruleTests, dashboards stringList
	flags.Var(&rules, "rules", "Prometheus rule file (repeatable)")
	flags.Var(&ruleTests, "rule-tests", "promtool rule test file (repeatable)")
	flags.Var(&dashboards, "dashboard", "Grafana dashboard JSON (repeatable)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *list == "" {
		return errors.New("metrics: -metrics is required")
	}
	catalog, err := loadCatalog(*list)
	if err != nil {
		return err
	}
	var problems []string
	total := 0
	check := func(paths []string, run func(string) ([]string, int, error)) error {
		for _, path := range paths {
			found, checked, err := run(path)
			if err != nil {
				return err
			}
			if checked == 0 {
				return fmt.Errorf("%s: no expressions found", path)
			}
			problems = append(problems, found...)
			total += checked
		}
		return nil
	}
	if err := check(rules, catalog.checkRules); err != nil {
		return err
	}
	if err := check(ruleTests, catalog.checkRuleTests); err != nil {
		return err
	}
	if err := check(dashboards, catalog.checkDashboard); err != nil {
		return err
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New(strings.Join(problems, "\n"))
	}
	fmt.Fprintf(os.Stderr, "metrics: %d expressions and series use only listed metrics and labels\n", total)
	return nil
}

// jsonString reads a string field of a decoded JSON object.
func jsonString(object map[string]any, key string) string {
	value, _ := object[key].(string)
	return value
}

func decodeJSONFile(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", path, err)
	}
	return doc, nil
}
