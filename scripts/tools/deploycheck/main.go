// deploycheck holds the checks of deploy/ that need Go libraries: the strict
// JSON schemas kubeconform validates the Kubernetes manifests against, and
// the metric-name check of alert rules and dashboards with Prometheus' PromQL
// parser. scripts/check-deploy.sh runs it; controller-gen (a tool of this
// module, `go tool controller-gen`) generates the ServiceMonitor CRD from the
// prometheus-operator API types this module requires.
//
//	deploycheck schemas -k8s-fixtures DIR -crd FILE -out DIR
//	deploycheck metrics -metrics FILE -rules FILE -rule-tests FILE -dashboard FILE
package main

import (
	"fmt"
	"os"

	// The API types controller-gen reads; imported so `go mod tidy` keeps the pinned version.
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: deploycheck schemas|metrics [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "schemas":
		err = runSchemas(os.Args[2:])
	case "metrics":
		err = runMetrics(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want schemas or metrics", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
