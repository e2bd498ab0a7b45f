// Command watch-load is a bench/watch load-generator worker in Go: the same
// worker protocol as bench/watch/load.ts, for when a Node load generator is
// itself the bottleneck (at 10,000 streams the Connect-ES client takes
// seconds to take in one event on every stream, whatever the server).
//
// It opens its share of WatchEvents streams, perConnection per
// grpc.ClientConn (one ClientConn is one HTTP/2 connection), and records when
// each stream receives each revision. Commands are JSON lines on stdin,
// answers JSON lines on stdout, logs on stderr:
//
//	{"type":"open","url","streams","perConnection","epoch"} → {"type":"opened","streams","failures"}
//	{"type":"await","revisions","keepTimes"}               → {"type":"delivered","stats","failures"}
//	{"type":"memory"}                                      → {"type":"memory","rssKiB","heapUsedKiB"}
//	{"type":"close"}                                       → exits
//
// Times are milliseconds of the host's CLOCK_MONOTONIC after `epoch` (the
// parent's process.hrtime.bigint(), in nanoseconds), so the writer in run.ts
// and this worker share one time line.
//
//	go build -o /tmp/watch-load ./bench/watch/load-go
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

var fullDecode = flag.Bool("full-decode", false, "decode every WatchEventsResponse in full (default: read only the event revisions)")

// command is any of the worker's commands; fields not in a command stay zero.
type command struct {
	Type          string  `json:"type"`
	URL           string  `json:"url"`
	Streams       int     `json:"streams"`
	PerConnection int     `json:"perConnection"`
	Epoch         string  `json:"epoch"`
	Revisions     []int64 `json:"revisions"`
	KeepTimes     bool    `json:"keepTimes"`
}

// revisionStats is load.ts's RevisionStats.
type revisionStats struct {
	Revision int64     `json:"revision"`
	Count    int       `json:"count"`
	First    float64   `json:"first"`
	Last     float64   `json:"last"`
	Times    []float64 `json:"times,omitempty"`
}

// clock reads CLOCK_MONOTONIC as nanoseconds after the parent's epoch. The
// offset between Go's own monotonic reading (runtime nanotime, which is
// CLOCK_MONOTONIC through the vDSO) and unix.ClockGettime is taken once, so a
// delivery costs a vDSO read rather than a clock_gettime system call.
type clock struct {
	anchor   time.Time
	anchorNs int64 // CLOCK_MONOTONIC at anchor, minus epoch
}

func monotonicNs() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return ts.Nano()
}

func newClock(epoch int64) clock {
	// Bracket time.Now() between two clock_gettime calls; the midpoint is within a microsecond.
	before := monotonicNs()
	anchor := time.Now()
	after := monotonicNs()
	return clock{anchor: anchor, anchorNs: before + (after-before)/2 - epoch}
}

func (c clock) nowNs() int64 { return c.anchorNs + int64(time.Since(c.anchor)) }

// slot holds one revision's deliveries: stream i writes times[i] (its own
// element, no lock) and then bumps count; whoever reads times first sees count
// reach its target, and the atomic orders the writes before that read.
type slot struct {
	count atomic.Int64
	times []int64 // ns after epoch; 0 = not delivered to that stream
}

type worker struct {
	clock    clock
	size     int // streams asked for: the length of every slot's times
	slots    sync.Map
	opened   atomic.Int64 // streams that received their first message
	failed   atomic.Int64 // streams that ended with an error after opening
	failures atomic.Int64 // every stream error (before or after opening)
	closing  atomic.Bool
	progress chan struct{} // a revision may have reached its target, or a stream failed
	cancels  []context.CancelFunc
	conns    []*grpc.ClientConn
	out      *json.Encoder
	outMu    sync.Mutex
}

func (w *worker) target() int64 { return w.opened.Load() - w.failed.Load() }

func (w *worker) slotFor(revision int64) *slot {
	if s, ok := w.slots.Load(revision); ok {
		return s.(*slot)
	}
	s, _ := w.slots.LoadOrStore(revision, &slot{times: make([]int64, w.size)})
	return s.(*slot)
}

func (w *worker) record(revision int64, stream int, at int64) {
	s := w.slotFor(revision)
	s.times[stream] = at
	if s.count.Add(1) >= w.target() {
		w.wake()
	}
}

func (w *worker) wake() {
	select {
	case w.progress <- struct{}{}:
	default:
	}
}

func (w *worker) reply(v any) {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	if err := w.out.Encode(v); err != nil {
		fmt.Fprintf(os.Stderr, "load-go: writing reply: %v\n", err)
		os.Exit(1)
	}
}

// follow reads one stream until it ends; ready is called on its first message.
func (w *worker) follow(ctx context.Context, client catalogv1.CatalogServiceClient, index int, ready func(ok bool)) {
	var opts []grpc.CallOption
	if !*fullDecode {
		opts = append(opts, grpc.ForceCodecV2(revisionsCodec{}))
	}
	first := true
	fail := func(err error) {
		if w.closing.Load() {
			return
		}
		if w.failures.Add(1) <= 3 {
			fmt.Fprintf(os.Stderr, "load-go: stream failed: %v\n", err)
		}
		if first {
			ready(false)
		} else {
			w.failed.Add(1)
			w.wake()
		}
	}
	stream, err := client.WatchEvents(ctx, &catalogv1.WatchEventsRequest{StartRevision: 0}, opts...)
	if err != nil {
		fail(err)
		return
	}
	message := &catalogv1.WatchEventsResponse{}
	for {
		message.Events = message.Events[:0]
		if err := stream.RecvMsg(message); err != nil {
			fail(err)
			return
		}
		if first {
			first = false
			ready(true)
		}
		if len(message.Events) == 0 {
			continue
		}
		at := w.clock.nowNs()
		for _, event := range message.Events {
			w.record(event.GetRevision(), index, at)
		}
	}
}

func (w *worker) open(rawURL string, count, perConnection int) error {
	parsed, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	w.size = count
	if count == 0 {
		return nil
	}
	if perConnection <= 0 {
		perConnection = count
	}
	var done sync.WaitGroup
	done.Add(count)
	ready := func(ok bool) {
		if ok {
			w.opened.Add(1)
		}
		done.Done()
	}
	connections := (count + perConnection - 1) / perConnection
	for c := 0; c < connections; c++ {
		conn, err := grpc.NewClient("passthrough:///"+parsed.Host,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			// Windows large enough that a burst of events on ~100 streams never waits for a WINDOW_UPDATE.
			grpc.WithInitialWindowSize(1<<20),
			grpc.WithInitialConnWindowSize(64<<20),
		)
		if err != nil {
			return err
		}
		conn.Connect()
		w.conns = append(w.conns, conn)
		client := catalogv1.NewCatalogServiceClient(conn)
		for s := 0; s < perConnection && c*perConnection+s < count; s++ {
			// One context per stream, no deadline: cancelled only on close.
			ctx, cancel := context.WithCancel(context.Background())
			w.cancels = append(w.cancels, cancel)
			go w.follow(ctx, client, c*perConnection+s, ready)
		}
	}
	done.Wait()
	return nil
}

// await answers once every revision reached every open stream (as load.ts's settle does).
func (w *worker) await(revisions []int64, keepTimes bool) {
	for {
		// Drain a stale wake-up before checking, so one arriving after the check is not lost.
		select {
		case <-w.progress:
		default:
		}
		complete := true
		target := w.target()
		for _, revision := range revisions {
			if w.slotFor(revision).count.Load() < target {
				complete = false
				break
			}
		}
		if complete {
			break
		}
		<-w.progress
	}
	stats := make([]revisionStats, len(revisions))
	for i, revision := range revisions {
		s := w.slotFor(revision)
		w.slots.Delete(revision)
		st := revisionStats{Revision: revision, Count: int(s.count.Load()), First: math.Inf(1), Last: math.Inf(-1)}
		if keepTimes {
			st.Times = make([]float64, 0, st.Count)
		}
		for _, t := range s.times {
			if t == 0 {
				continue
			}
			ms := float64(t) / 1e6
			st.First = math.Min(st.First, ms)
			st.Last = math.Max(st.Last, ms)
			if keepTimes {
				st.Times = append(st.Times, ms)
			}
		}
		stats[i] = st
	}
	w.reply(map[string]any{"type": "delivered", "stats": stats, "failures": w.failures.Load()})
}

func rssKiB() int64 {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(statm))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize()) / 1024
}

func (w *worker) memory() {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	w.reply(map[string]any{"type": "memory", "rssKiB": rssKiB(), "heapUsedKiB": stats.HeapAlloc / 1024})
}

func (w *worker) close() {
	w.closing.Store(true)
	// The worker's own CPU over the run, to tell when the load generator (not the server) is busy.
	var usage unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &usage) == nil {
		fmt.Fprintf(os.Stderr, "load-go: %d streams, CPU user %.2f s, system %.2f s\n",
			w.size, time.Duration(usage.Utime.Nano()).Seconds(), time.Duration(usage.Stime.Nano()).Seconds())
	}
	for _, cancel := range w.cancels {
		cancel()
	}
	for _, conn := range w.conns {
		_ = conn.Close()
	}
	os.Exit(0)
}

func main() {
	flag.Parse()
	w := &worker{progress: make(chan struct{}, 1), out: json.NewEncoder(os.Stdout)}
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1<<20), 64<<20)
	for lines.Scan() {
		var cmd command
		if err := json.Unmarshal(lines.Bytes(), &cmd); err != nil {
			fmt.Fprintf(os.Stderr, "load-go: bad command %q: %v\n", lines.Text(), err)
			os.Exit(2)
		}
		switch cmd.Type {
		case "open":
			epoch, err := strconv.ParseInt(cmd.Epoch, 10, 64)
			if err != nil {
				fmt.Fprintf(os.Stderr, "load-go: bad epoch %q: %v\n", cmd.Epoch, err)
				os.Exit(2)
			}
			w.clock = newClock(epoch)
			if err := w.open(cmd.URL, cmd.Streams, cmd.PerConnection); err != nil {
				fmt.Fprintf(os.Stderr, "load-go: open: %v\n", err)
				os.Exit(1)
			}
			w.reply(map[string]any{"type": "opened", "streams": w.opened.Load(), "failures": w.failures.Load()})
		case "await":
			// Commands are answered in order, as load.ts's single pending await is.
			w.await(cmd.Revisions, cmd.KeepTimes)
		case "memory":
			w.memory()
		case "close":
			w.close()
		default:
			fmt.Fprintf(os.Stderr, "load-go: unknown command %q\n", cmd.Type)
		}
	}
	// stdin closed: the parent is gone.
	w.close()
}
