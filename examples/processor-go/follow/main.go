// Command follow is an example consumer: it registers itself as a consumer
// of NAME@CONSTRAINT, reads the version the constraint resolves to now, then
// lets the server tell it each time that changes (WatchEvents with
// filter.resolution: RESOLUTION_CHANGED events). It never resolves a
// constraint itself; a broken stream resumes from the last revision received.
//
//	go run ./follow -addr 127.0.0.1:8080 -component aws-rds-mysql -constraint "~> 1.2" [-consumer ID] [-duration 10s]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

func main() {
	addr := flag.String("addr", envOr("NESTOR_CATALOG_ADDR", "127.0.0.1:8080"), "server host:port")
	consumer := flag.String("consumer", "example-processor", "this processor's consumer id")
	name := flag.String("component", "aws-rds-mysql", "the component followed")
	constraint := flag.String("constraint", "", "the versions followed (\"\" for latest, \"~> 1.2\", \"^1\", ...)")
	token := flag.String("token", os.Getenv("NESTOR_CATALOG_TOKEN"), "bearer token sent as authorization metadata")
	duration := flag.Duration("duration", 0, "stop after this long (0: until interrupted)")
	flag.Parse()

	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("dial %s: %v", *addr, err)
	}
	defer conn.Close()
	client := catalogv1.NewCatalogServiceClient(conn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	if *token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+*token)
	}

	register := &catalogv1.RegisterConsumerRequest{
		Consumer: *consumer, Name: *name, Constraint: *constraint, Labels: map[string]string{"example": "processor-go"},
	}
	if _, err := client.RegisterConsumer(ctx, register); err != nil {
		log.Fatalf("register: %v", err)
	}
	now, err := client.GetComponent(ctx, &catalogv1.GetComponentRequest{Name: *name, Version: *constraint})
	if err != nil {
		log.Fatalf("resolve: %v", err)
	}
	fmt.Printf("following %s@%q as %s: now %s at revision %d\n",
		*name, *constraint, *consumer, now.GetComponent().GetVersion(), now.GetRevision())
	follow(ctx, client, &catalogv1.ResolutionFilter{Name: *name, Constraint: *constraint}, now.GetRevision())
	fmt.Println("stopped")
}

// follow prints each RESOLUTION_CHANGED event after `revision`, reconnecting from the last revision seen.
func follow(ctx context.Context, client catalogv1.CatalogServiceClient, resolution *catalogv1.ResolutionFilter, revision int64) {
	filter := &catalogv1.EventFilter{
		Types:      []catalogv1.EventType{catalogv1.EventType_EVENT_TYPE_RESOLUTION_CHANGED},
		Resolution: resolution,
	}
	for ctx.Err() == nil {
		stream, err := client.WatchEvents(ctx, &catalogv1.WatchEventsRequest{StartRevision: revision, Resume: true, Filter: filter})
		for err == nil {
			var resp *catalogv1.WatchEventsResponse
			if resp, err = stream.Recv(); err != nil {
				break
			}
			for _, e := range resp.GetEvents() {
				change := e.GetResolutionChange()
				fmt.Printf("now %s (was %s) at revision %d\n", orNone(change.GetNewVersion()), orNone(change.GetOldVersion()), e.GetRevision())
			}
			revision = resp.GetRevision()
		}
		if ctx.Err() == nil {
			log.Printf("stream lost (%v); resuming from revision %d", err, revision)
			time.Sleep(time.Second)
		}
	}
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func orNone(version string) string {
	if version == "" {
		return "(none)"
	}
	return version
}
