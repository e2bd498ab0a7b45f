// Command processor-go is an example processor: it lists every component
// version at one revision, then follows WatchEvents from that revision,
// keeping an in-memory view and printing each change. A broken stream is
// resumed from the last revision received (with backoff); OUT_OF_RANGE means
// the server compacted past that revision, so it lists again.
//
//	go run . -addr 127.0.0.1:8080 [-tls] [-token T] [-duration 10s]
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// errRelist says the event log no longer holds our revision.
var errRelist = errors.New("revision compacted away: list again")

type processor struct {
	client catalogv1.CatalogServiceClient
	// view holds every known version by "name@version".
	view map[string]*catalogv1.Component
}

func key(c *catalogv1.Component) string { return c.GetName() + "@" + c.GetVersion() }

// list loads every version (deprecated included) and returns the revision of
// the first page: watching from there replays anything later pages already
// reflect, and applying an event twice is harmless, so no change is missed.
func (p *processor) list(ctx context.Context) (int64, error) {
	p.view = map[string]*catalogv1.Component{}
	var revision int64
	token := ""
	for first := true; first || token != ""; first = false {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		page, err := p.client.ListComponents(callCtx, &catalogv1.ListComponentsRequest{
			PageSize:    200,
			PageToken:   token,
			AllVersions: true,
			Filter:      &catalogv1.ComponentFilter{IncludeDeprecated: true},
		})
		cancel()
		if err != nil {
			return 0, err
		}
		if first {
			revision = page.GetRevision()
		}
		for _, c := range page.GetComponents() {
			p.view[key(c)] = c
		}
		token = page.GetNextPageToken()
	}
	return revision, nil
}

func (p *processor) apply(e *catalogv1.Event) {
	k := key(e.GetComponent())
	if e.GetType() == catalogv1.EventType_EVENT_TYPE_DELETED {
		delete(p.view, k)
	} else {
		p.view[k] = e.GetComponent()
	}
	deprecated := ""
	if e.GetComponent().GetDeprecation().GetDeprecated() {
		deprecated = " (deprecated)"
	}
	fmt.Printf("revision %d: %s %s%s; view holds %d versions\n", e.GetRevision(), e.GetType(), k, deprecated, len(p.view))
}

// watch follows the stream from revision until ctx ends, reconnecting with
// exponential backoff. It returns errRelist on OUT_OF_RANGE.
func (p *processor) watch(ctx context.Context, revision int64) error {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		stream, err := p.client.WatchEvents(ctx, &catalogv1.WatchEventsRequest{StartRevision: revision, Resume: true})
		for err == nil {
			var resp *catalogv1.WatchEventsResponse
			if resp, err = stream.Recv(); err == nil {
				backoff = 250 * time.Millisecond
				for _, e := range resp.GetEvents() {
					p.apply(e)
				}
				revision = max(revision, resp.GetRevision())
			}
		}
		switch status.Code(err) {
		case codes.OutOfRange:
			return errRelist
		case codes.InvalidArgument, codes.Unauthenticated, codes.PermissionDenied, codes.Unimplemented:
			return err
		}
		if ctx.Err() != nil {
			break
		}
		fmt.Printf("stream lost (%v); resuming from revision %d in %v\n", err, revision, backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, 30*time.Second)
	}
	return nil
}

func (p *processor) run(ctx context.Context) error {
	for ctx.Err() == nil {
		revision, err := p.list(ctx)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		fmt.Printf("listed %d component versions at revision %d\n", len(p.view), revision)
		fmt.Printf("watching from revision %d\n", revision)
		if err := p.watch(ctx, revision); err == nil {
			return nil
		} else if !errors.Is(err, errRelist) {
			return fmt.Errorf("watch: %w", err)
		}
		fmt.Println("revision compacted away: listing again")
	}
	return nil
}

func main() {
	addr := flag.String("addr", envOr("NESTOR_CATALOG_ADDR", "127.0.0.1:8080"), "server host:port")
	useTLS := flag.Bool("tls", false, "dial with TLS (system roots)")
	token := flag.String("token", os.Getenv("NESTOR_CATALOG_TOKEN"), "bearer token sent as authorization metadata")
	duration := flag.Duration("duration", 0, "stop after this long (0: until interrupted)")
	flag.Parse()

	creds := insecure.NewCredentials()
	if *useTLS {
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		log.Fatalf("dial %s: %v", *addr, err)
	}
	defer conn.Close()

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
	p := &processor{client: catalogv1.NewCatalogServiceClient(conn)}
	if err := p.run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
	fmt.Printf("stopped with %d versions in view\n", len(p.view))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
