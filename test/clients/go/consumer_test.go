// The consumer contract through the generated Go client: ValidateInputs,
// RegisterConsumer with ListConsumers and GetImpact, and the
// constraint-aware watch resumed over a new connection.
package clients_test

import (
	"strings"
	"testing"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestValidateInputsReportsEachProblemAtItsPath(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "inputs")
	publish(t, client, component(name, "1.2.0", nil, "instance_class"))
	values, err := structpb.NewStruct(map[string]any{"instance_class": 5, "colour": "red"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.ValidateInputs(callContext(t), &catalogv1.ValidateInputsRequest{Name: name, Version: "~> 1.2", Values: values})
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	got := map[string]string{}
	for _, v := range resp.GetViolations() {
		got[v.GetField()] = v.GetReason()
	}
	want := map[string]string{"values.instance_class": "WRONG_TYPE", "values.colour": "UNKNOWN_INPUT"}
	if resp.GetValid() || resp.GetVersion() != "1.2.0" || len(got) != 2 || got["values.instance_class"] != want["values.instance_class"] || got["values.colour"] != want["values.colour"] {
		t.Errorf("validate: valid=%v version=%s violations=%v, want %v", resp.GetValid(), resp.GetVersion(), got, want)
	}

	_, err = client.ValidateInputs(callContext(t), &catalogv1.ValidateInputsRequest{Name: name, Version: "one point two"})
	if fields := violatedFields(t, err, codes.InvalidArgument); len(fields) != 1 || fields[0] != "version" {
		t.Errorf("a bad version: violations %v, want [version]", fields)
	}
}

func TestRegisteredConsumersAndTheImpactOfAYank(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "consumers")
	publish(t, client, component(name, "1.0.0", nil))
	publish(t, client, component(name, "1.1.0", nil, "instance_class"))
	registered, err := client.RegisterConsumer(callContext(t), &catalogv1.RegisterConsumerRequest{
		Consumer: "billing", Name: name, Constraint: "~> 1.0", Labels: map[string]string{"team": "pay"},
	})
	if err != nil || registered.GetConsumer().GetCreateRevision() != registered.GetRevision() {
		t.Fatalf("register: %v %v", registered, err)
	}
	listed, err := client.ListConsumers(callContext(t), &catalogv1.ListConsumersRequest{Name: name})
	if err != nil || len(listed.GetConsumers()) != 1 || listed.GetConsumers()[0].GetConstraint() != "~> 1.0" {
		t.Fatalf("list: %v %v", listed, err)
	}
	impact, err := client.GetImpact(callContext(t), &catalogv1.GetImpactRequest{
		Name: name, Change: &catalogv1.GetImpactRequest_YankVersion{YankVersion: "1.1.0"},
	})
	if err != nil || len(impact.GetImpacts()) != 1 {
		t.Fatalf("impact: %v %v", impact, err)
	}
	move := impact.GetImpacts()[0]
	if move.GetCurrentVersion() != "1.1.0" || move.GetNextVersion() != "1.0.0" || !move.GetBreaking() {
		t.Errorf("impact of the yank: %v, want 1.1.0 -> 1.0.0, breaking (inputs.instance_class removed)", move)
	}

	_, err = client.RegisterConsumer(callContext(t), &catalogv1.RegisterConsumerRequest{Consumer: "Bad_Id", Name: name})
	if fields := violatedFields(t, err, codes.InvalidArgument); len(fields) != 1 || fields[0] != "consumer" {
		t.Errorf("a bad consumer id: violations %v, want [consumer]", fields)
	}
	_, err = client.DeregisterConsumer(callContext(t), &catalogv1.DeregisterConsumerRequest{Consumer: "billing", Name: name})
	if err != nil {
		t.Errorf("deregister: %v", err)
	}
}

// resolutionChanges receives until `want` RESOLUTION_CHANGED events arrived: "old>new" each, and the last revision.
func resolutionChanges(t *testing.T, stream catalogv1.CatalogService_WatchEventsClient, want int) ([]string, int64) {
	t.Helper()
	var got []string
	var last int64
	for len(got) < want {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("watch: %v after %v", err, got)
		}
		for _, e := range resp.GetEvents() {
			if e.GetType() != catalogv1.EventType_EVENT_TYPE_RESOLUTION_CHANGED {
				t.Fatalf("an event the filter excludes: %v", e)
			}
			got = append(got, e.GetResolutionChange().GetOldVersion()+">"+e.GetResolutionChange().GetNewVersion())
		}
		last = resp.GetRevision()
	}
	return got, last
}

func TestConstraintWatchReportsEachMoveOnceAcrossAResume(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "follow")
	start := publish(t, client, component(name, "1.0.0", nil)).GetRevision()
	filter := &catalogv1.EventFilter{
		Types:      []catalogv1.EventType{catalogv1.EventType_EVENT_TYPE_RESOLUTION_CHANGED},
		Resolution: &catalogv1.ResolutionFilter{Name: name, Constraint: "~> 1.0"},
	}
	ctx := callContext(t)
	first, err := client.WatchEvents(ctx, &catalogv1.WatchEventsRequest{StartRevision: start, Resume: true, Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, client, component(name, "1.1.0", nil))
	seen, last := resolutionChanges(t, first, 1)

	// A new connection resumes from the revision the first stream reached.
	_, other := dial(t)
	publish(t, client, component(name, "2.0.0", nil))
	if _, err := client.YankComponentVersion(callContext(t), &catalogv1.YankComponentVersionRequest{Name: name, Version: "1.1.0", Reason: "bad"}); err != nil {
		t.Fatal(err)
	}
	second, err := other.WatchEvents(callContext(t), &catalogv1.WatchEventsRequest{StartRevision: last, Resume: true, Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := resolutionChanges(t, second, 1)
	if got := strings.Join(append(seen, rest...), " "); got != "1.0.0>1.1.0 1.1.0>1.0.0" {
		t.Errorf("moves %q, want \"1.0.0>1.1.0 1.1.0>1.0.0\"", got)
	}

	bad := &catalogv1.EventFilter{Resolution: &catalogv1.ResolutionFilter{Name: name, Constraint: "one"}}
	stream, err := client.WatchEvents(callContext(t), &catalogv1.WatchEventsRequest{Filter: bad})
	if err == nil {
		_, err = stream.Recv()
	}
	if fields := violatedFields(t, err, codes.InvalidArgument); len(fields) != 1 || fields[0] != "filter.resolution.constraint" {
		t.Errorf("a bad constraint: violations %v, want [filter.resolution.constraint]", fields)
	}
}

// violatedFields checks the status code and returns the BadRequest fields, each also named in the message.
func violatedFields(t *testing.T, err error, code codes.Code) []string {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v, want %v", err, code)
	}
	var fields []string
	for _, detail := range st.Details() {
		if br, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
				if !strings.Contains(st.Message(), v.GetField()) {
					t.Errorf("message %q does not name %s", st.Message(), v.GetField())
				}
			}
		}
	}
	return fields
}
