package main

import (
	"sync"
	"testing"
	"time"

	catalogv1 "github.com/nestor-catalog/nestor-catalog/gen/go/nestor/catalog/v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// One event recorded by 10,000 stream goroutines at once: the bookkeeping
// this worker adds between a message's arrival and its recorded time.
func BenchmarkRecordOneEventOn10000Streams(b *testing.B) {
	const streams = 10_000
	w := &worker{size: streams, progress: make(chan struct{}, 1), clock: newClock(0)}
	w.opened.Store(streams)
	start := make([]chan int64, streams)
	var done sync.WaitGroup
	for i := range start {
		start[i] = make(chan int64, 1)
		go func(i int) {
			for revision := range start[i] {
				w.record(revision, i, w.clock.nowNs())
				done.Done()
			}
		}(i)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		revision := int64(n + 1)
		done.Add(streams)
		for i := range start {
			start[i] <- revision
		}
		done.Wait()
		w.slots.Delete(revision)
	}
	b.StopTimer()
	for i := range start {
		close(start[i])
	}
}

func benchResponse() []byte {
	response := &catalogv1.WatchEventsResponse{
		Revision: 42,
		Events: []*catalogv1.Event{{
			Revision:  42,
			Type:      catalogv1.EventType(2),
			EventTime: timestamppb.New(time.Now()),
			Actor:     "bench",
			Component: &catalogv1.Component{Name: "aws-rds-mysql", Version: "1.2.0", Provider: "aws", Category: "database", Description: "A MySQL database on Amazon RDS"},
		}},
	}
	b, err := proto.Marshal(response)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRevisionsCodecReadsEveryEventRevision(t *testing.T) {
	response := &catalogv1.WatchEventsResponse{Revision: 9, Events: []*catalogv1.Event{{Revision: 7, Actor: "a"}, {Revision: 9, Actor: "b"}}}
	b, _ := proto.Marshal(response)
	var got catalogv1.WatchEventsResponse
	if err := (revisionsCodec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 2 || got.Events[0].Revision != 7 || got.Events[1].Revision != 9 {
		t.Fatalf("revisions: %v", got.Events)
	}
}

func BenchmarkDecodeRevisionsOnly(b *testing.B) {
	data := mem.BufferSlice{mem.SliceBuffer(benchResponse())}
	var response catalogv1.WatchEventsResponse
	for n := 0; n < b.N; n++ {
		response.Events = response.Events[:0]
		if err := (revisionsCodec{}).Unmarshal(data, &response); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeFull(b *testing.B) {
	data := benchResponse()
	for n := 0; n < b.N; n++ {
		var response catalogv1.WatchEventsResponse
		if err := proto.Unmarshal(data, &response); err != nil {
			b.Fatal(err)
		}
	}
}
