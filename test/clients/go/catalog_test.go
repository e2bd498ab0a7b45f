// Package clients_test drives a live Nestor Catalog server through the
// generated Go client (gen/go). scripts/test-clients.sh starts the server
// and sets NESTOR_CATALOG_ADDR (host:port, plaintext), and a hybrid one
// (reads from a Redis replica) at NESTOR_CATALOG_HYBRID_ADDR.
package clients_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
	"github.com/nestor-catalog/nestor-catalog/gen/go/readyourwrites"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// callTimeout bounds every call so a broken server fails the test instead of hanging it.
const callTimeout = 20 * time.Second

func serverAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("NESTOR_CATALOG_ADDR")
	if addr == "" {
		t.Fatal("NESTOR_CATALOG_ADDR is not set: run these tests through scripts/test-clients.sh, which starts a server")
	}
	return addr
}

func dial(t *testing.T) (*grpc.ClientConn, catalogv1.CatalogServiceClient) {
	t.Helper()
	conn, err := grpc.NewClient(serverAddr(t), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn, catalogv1.NewCatalogServiceClient(conn)
}

func callContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// uniqueName keeps tests independent of each other and of earlier runs against the same server.
func uniqueName(t *testing.T, prefix string) string {
	t.Helper()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	return "go-" + prefix + "-" + hex.EncodeToString(suffix)
}

func component(name, version string, labels map[string]string, inputs ...string) *catalogv1.Component {
	c := &catalogv1.Component{
		Name:        name,
		Version:     version,
		Provider:    "aws",
		Category:    "database",
		Description: "MySQL on RDS for " + name,
		Labels:      labels,
		Outputs:     []*catalogv1.Output{{Name: "endpoint", Type: catalogv1.ValueType_VALUE_TYPE_STRING}},
		Deployment:  &catalogv1.Deployment{Engine: "terraform", EngineVersion: ">= 1.6"},
	}
	for _, input := range inputs {
		c.Inputs = append(c.Inputs, &catalogv1.Input{
			Name:         input,
			Type:         catalogv1.ValueType_VALUE_TYPE_STRING,
			DefaultValue: structpb.NewStringValue("default"),
		})
	}
	return c
}

func publish(t *testing.T, client catalogv1.CatalogServiceClient, c *catalogv1.Component) *catalogv1.CreateComponentResponse {
	t.Helper()
	resp, err := client.CreateComponent(callContext(t), &catalogv1.CreateComponentRequest{Component: c})
	if err != nil {
		t.Fatalf("create %s@%s: %v", c.GetName(), c.GetVersion(), err)
	}
	return resp
}

func TestCreateThenGetByExactVersionLatestAndConstraint(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "get")
	for _, v := range []string{"1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0"} {
		created := publish(t, client, component(name, v, nil, "instance_class"))
		if !created.GetCreated() || created.GetRevision() <= 0 || created.GetComponent().GetCreateRevision() != created.GetRevision() {
			t.Fatalf("create %s: created=%v revision=%d create_revision=%d", v, created.GetCreated(), created.GetRevision(), created.GetComponent().GetCreateRevision())
		}
	}
	again := publish(t, client, component(name, "1.0.0", nil, "instance_class"))
	if again.GetCreated() {
		t.Errorf("publishing identical content again reported created=true")
	}

	cases := map[string]string{"1.3.0-rc.1": "1.3.0-rc.1", "": "2.0.0", "latest": "2.0.0", "^1.0": "1.2.0", "~> 1.2": "1.2.0", ">=1.0 <2.0": "1.2.0"}
	for asked, want := range cases {
		got, err := client.GetComponent(callContext(t), &catalogv1.GetComponentRequest{Name: name, Version: asked})
		if err != nil {
			t.Errorf("get %q: %v", asked, err)
			continue
		}
		if got.GetComponent().GetVersion() != want {
			t.Errorf("get %q resolved to %s, want %s", asked, got.GetComponent().GetVersion(), want)
		}
		if got.GetRevision() <= 0 {
			t.Errorf("get %q: response carries no revision", asked)
		}
	}
}

func TestListComponentsWalksEveryPage(t *testing.T) {
	_, client := dial(t)
	suite := uniqueName(t, "list")
	var want []string
	for i := 0; i < 5; i++ {
		name := suite + "-" + string(rune('a'+i))
		publish(t, client, component(name, "1.0.0", map[string]string{"suite": suite}, "instance_class"))
		want = append(want, name)
	}
	var got []string
	pages := 0
	token := ""
	for {
		resp, err := client.ListComponents(callContext(t), &catalogv1.ListComponentsRequest{
			PageSize:  2,
			PageToken: token,
			Filter:    &catalogv1.ComponentFilter{Labels: map[string]string{"suite": suite}},
		})
		if err != nil {
			t.Fatalf("list page %d: %v", pages+1, err)
		}
		pages++
		for _, c := range resp.GetComponents() {
			got = append(got, c.GetName())
		}
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
		if pages > 10 {
			t.Fatal("list never ended")
		}
	}
	if pages != 3 {
		t.Errorf("5 components at page size 2 came in %d pages, want 3", pages)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v (ordered by name)", got, want)
	}
}

func TestSearchFindsComponentByDescriptionTerm(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "search")
	c := component(name, "1.0.0", nil, "instance_class")
	c.Description = "Aurora cluster tagged " + strings.ReplaceAll(name, "-", "")
	publish(t, client, c)
	resp, err := client.SearchComponents(callContext(t), &catalogv1.SearchComponentsRequest{Query: strings.ReplaceAll(name, "-", "")})
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if len(resp.GetResults()) != 1 || resp.GetResults()[0].GetComponent().GetName() != name {
		t.Fatalf("search returned %d results, want exactly %s", len(resp.GetResults()), name)
	}
	if resp.GetResults()[0].GetScore() <= 0 {
		t.Errorf("search hit has score %v, want > 0", resp.GetResults()[0].GetScore())
	}
}

func TestDeprecatingTheHighestVersionMovesLatest(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "deprecate")
	publish(t, client, component(name, "1.0.0", nil, "instance_class"))
	publish(t, client, component(name, "1.1.0", nil, "instance_class"))
	updated, err := client.UpdateComponent(callContext(t), &catalogv1.UpdateComponentRequest{
		Component: &catalogv1.Component{
			Name:        name,
			Version:     "1.1.0",
			Deprecation: &catalogv1.Deprecation{Deprecated: true, Message: "use 1.0.0"},
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"deprecation"}},
	})
	if err != nil {
		t.Fatalf("deprecate: %v", err)
	}
	if !updated.GetComponent().GetDeprecation().GetDeprecated() || updated.GetComponent().GetDeprecation().GetDeprecateTime() == nil {
		t.Errorf("update returned deprecation %v", updated.GetComponent().GetDeprecation())
	}
	latest, err := client.GetComponent(callContext(t), &catalogv1.GetComponentRequest{Name: name, Version: "latest"})
	if err != nil {
		t.Fatalf("get latest: %v", err)
	}
	if latest.GetComponent().GetVersion() != "1.0.0" || latest.GetDeprecated() {
		t.Errorf("latest is %s (deprecated=%v), want 1.0.0 not deprecated", latest.GetComponent().GetVersion(), latest.GetDeprecated())
	}
	exact, err := client.GetComponent(callContext(t), &catalogv1.GetComponentRequest{Name: name, Version: "1.1.0"})
	if err != nil {
		t.Fatalf("get 1.1.0: %v", err)
	}
	if !exact.GetDeprecated() || exact.GetComponent().GetDeprecation().GetMessage() != "use 1.0.0" {
		t.Errorf("1.1.0 reads deprecated=%v message=%q", exact.GetDeprecated(), exact.GetComponent().GetDeprecation().GetMessage())
	}
}

func TestCompareVersionsReportsABreakingRemovalAsMajor(t *testing.T) {
	_, client := dial(t)
	name := uniqueName(t, "compare")
	publish(t, client, component(name, "1.0.0", nil, "instance_class", "storage_gb"))
	publish(t, client, component(name, "2.0.0", nil, "instance_class"))
	resp, err := client.CompareComponentVersions(callContext(t), &catalogv1.CompareComponentVersionsRequest{
		Name: name, BaseVersion: "1.0.0", TargetVersion: "2.0.0",
	})
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	if !resp.GetBreaking() || resp.GetRequiredBump() != catalogv1.VersionBump_VERSION_BUMP_MAJOR || !resp.GetBumpSufficient() {
		t.Errorf("compare: breaking=%v required_bump=%v sufficient=%v", resp.GetBreaking(), resp.GetRequiredBump(), resp.GetBumpSufficient())
	}
	found := false
	for _, change := range resp.GetChanges() {
		if strings.Contains(change.GetPath(), "storage_gb") && change.GetBreaking() {
			found = true
		}
	}
	if !found {
		t.Errorf("no breaking change names the removed input storage_gb: %v", resp.GetChanges())
	}
}

func TestInvalidComponentFailsWithFieldViolations(t *testing.T) {
	_, client := dial(t)
	bad := component("Not_A_Label", "v1", nil)
	_, err := client.CreateComponent(callContext(t), &catalogv1.CreateComponentRequest{Component: bad})
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		t.Fatalf("create invalid: got %v, want InvalidArgument", err)
	}
	if !strings.Contains(st.Message(), "component.name") || !strings.Contains(st.Message(), "DNS-1123") {
		t.Errorf("message does not explain the name rule: %q", st.Message())
	}
	fields := map[string]string{}
	for _, detail := range st.Details() {
		if br, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields[v.GetField()] = v.GetDescription()
			}
		}
	}
	for _, field := range []string{"component.name", "component.version"} {
		if fields[field] == "" {
			t.Errorf("BadRequest has no violation for %s: %v", field, fields)
		}
	}

	_, err = client.GetComponent(callContext(t), &catalogv1.GetComponentRequest{Name: uniqueName(t, "missing")})
	if status.Code(err) != codes.NotFound {
		t.Errorf("get of an unknown name: got %v, want NotFound", err)
	}
}

// watchedEvent is what the watch test compares: one event, by revision.
type watchedEvent struct {
	revision int64
	kind     catalogv1.EventType
	version  string
}

// readEvents receives until it holds `want` events, returning them and the
// last revision the stream reported (where a resume starts).
func readEvents(t *testing.T, stream catalogv1.CatalogService_WatchEventsClient, want int, last int64) ([]watchedEvent, int64) {
	t.Helper()
	var got []watchedEvent
	for len(got) < want {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("watch: %v after %d of %d events", err, len(got), want)
		}
		for _, e := range resp.GetEvents() {
			got = append(got, watchedEvent{e.GetRevision(), e.GetType(), e.GetComponent().GetVersion()})
		}
		last = resp.GetRevision()
	}
	return got, last
}

func TestWatchResumesAfterForcedDisconnectWithEveryEventOnce(t *testing.T) {
	name := uniqueName(t, "watch")
	_, writer := dial(t)
	start := publish(t, writer, component(name, "0.1.0", nil, "instance_class")).GetRevision()
	filter := &catalogv1.EventFilter{Names: []string{name}}

	first, firstClient := dial(t)
	ctx := callContext(t)
	stream, err := firstClient.WatchEvents(ctx, &catalogv1.WatchEventsRequest{StartRevision: start, Filter: filter})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	publish(t, writer, component(name, "0.2.0", nil, "instance_class"))
	publish(t, writer, component(name, "0.3.0", nil, "instance_class"))
	seen, last := readEvents(t, stream, 2, start)

	// Forced disconnect: the channel closes under the open stream.
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := stream.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("after close the stream returned %v, want Canceled", err)
	}

	// Writes while nobody watches must be replayed on resume.
	publish(t, writer, component(name, "0.4.0", nil, "instance_class"))
	_, err = writer.UpdateComponent(callContext(t), &catalogv1.UpdateComponentRequest{
		Component:  &catalogv1.Component{Name: name, Version: "0.2.0", Deprecation: &catalogv1.Deprecation{Deprecated: true, Message: "gone"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"deprecation"}},
	})
	if err != nil {
		t.Fatalf("deprecate: %v", err)
	}

	_, secondClient := dial(t)
	resumed, err := secondClient.WatchEvents(callContext(t), &catalogv1.WatchEventsRequest{StartRevision: last, Filter: filter})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	publish(t, writer, component(name, "0.5.0", nil, "instance_class"))
	rest, _ := readEvents(t, resumed, 3, last)
	seen = append(seen, rest...)

	want := []watchedEvent{
		{0, catalogv1.EventType_EVENT_TYPE_CREATED, "0.2.0"},
		{0, catalogv1.EventType_EVENT_TYPE_CREATED, "0.3.0"},
		{0, catalogv1.EventType_EVENT_TYPE_CREATED, "0.4.0"},
		{0, catalogv1.EventType_EVENT_TYPE_UPDATED, "0.2.0"},
		{0, catalogv1.EventType_EVENT_TYPE_CREATED, "0.5.0"},
	}
	if len(seen) != len(want) {
		t.Fatalf("saw %d events, want %d: %v", len(seen), len(want), seen)
	}
	previous := start
	for i, got := range seen {
		if got.revision <= previous {
			t.Errorf("event %d has revision %d after %d: duplicated or out of order", i, got.revision, previous)
		}
		previous = got.revision
		if got.kind != want[i].kind || got.version != want[i].version {
			t.Errorf("event %d is %v %s, want %v %s", i, got.kind, got.version, want[i].kind, want[i].version)
		}
	}
}

// hybridAddr is the catalog scripts/test-clients.sh serves from a Redis read replica (storage.type hybrid).
func hybridAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("NESTOR_CATALOG_HYBRID_ADDR")
	if addr == "" {
		t.Fatal("NESTOR_CATALOG_HYBRID_ADDR is not set: run these tests through scripts/test-clients.sh, which starts a hybrid server")
	}
	return addr
}

func TestReadYourWritesSendsTheHighestRevisionSeenAsMinRevision(t *testing.T) {
	tracker := &readyourwrites.Tracker{}
	conn, err := grpc.NewClient(hybridAddr(t), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(tracker.UnaryClientInterceptor()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := catalogv1.NewCatalogServiceClient(conn)
	ctx := callContext(t)
	name := uniqueName(t, "ryw")
	publish(t, client, component(name, "1.0.0", nil))
	created := publish(t, client, component(name, "1.1.0", nil))
	if tracker.Revision() != created.Revision {
		t.Fatalf("tracker at %d after a write at revision %d", tracker.Revision(), created.Revision)
	}
	// The replica has applied the write before answering: the read sees it.
	got, err := client.GetComponent(ctx, &catalogv1.GetComponentRequest{Name: name, Version: "latest"})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Component.Version != "1.1.0" || got.Revision < created.Revision {
		t.Fatalf("read %s at revision %d after writing revision %d", got.Component.Version, got.Revision, created.Revision)
	}

	// A revision no replica has reached: the server says so, with a retry hint.
	ahead := created.Revision + 1_000_000
	tracker.Observe(ahead)
	request := &catalogv1.GetComponentRequest{Name: name, Version: "1.0.0"}
	_, err = client.GetComponent(ctx, request)
	if request.MinRevision != 0 {
		t.Fatalf("the caller's request was changed: min_revision %d", request.MinRevision)
	}
	st := status.Convert(err)
	if st.Code() != codes.Unavailable || !strings.Contains(st.Message(), fmt.Sprintf("min_revision %d is not available", ahead)) {
		t.Fatalf("expected Unavailable naming min_revision %d, got %v", ahead, err)
	}
	var retry *errdetails.RetryInfo
	for _, detail := range st.Details() {
		if info, ok := detail.(*errdetails.RetryInfo); ok {
			retry = info
		}
	}
	if retry == nil || retry.RetryDelay.AsDuration() <= 0 {
		t.Fatalf("expected a RetryInfo with a delay, got details %v", st.Details())
	}

	// A min_revision the caller sets is sent as it is.
	explicit := &catalogv1.GetComponentRequest{Name: name, Version: "1.0.0", MinRevision: 1}
	if _, err := client.GetComponent(ctx, explicit); err != nil {
		t.Fatalf("get with an explicit min_revision: %v", err)
	}
}
