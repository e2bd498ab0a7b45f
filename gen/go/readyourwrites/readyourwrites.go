// Package readyourwrites gives a Nestor Catalog gRPC client read-your-writes
// on a catalog whose reads may come from replicas that trail its primary
// (storage.type hybrid). A Tracker remembers the highest catalog revision its
// client's responses carried (every write response says the revision it
// created, every read response the revision it reflects) and sends it as
// min_revision on every read that does not set one, so a read never shows an
// older catalog than one the client already saw. The server waits a bounded
// time for a replica to reach it, then fails Unavailable with
// google.rpc.RetryInfo.
//
// WatchEvents revisions are not taken: the watch follows the primary's log.
//
//	tracker := &readyourwrites.Tracker{}
//	conn, err := grpc.NewClient(addr, creds, grpc.WithUnaryInterceptor(tracker.UnaryClientInterceptor()))
//
// This file is written by hand; scripts/generate.sh leaves it in place.
package readyourwrites

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Tracker holds the highest catalog revision seen. The zero value is ready;
// share one between clients to read each other's writes.
type Tracker struct {
	mu       sync.Mutex
	revision int64
}

// Revision is the highest catalog revision seen so far (0 before any).
func (t *Tracker) Revision() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.revision
}

// Observe remembers revision when it is higher than any seen.
func (t *Tracker) Observe(revision int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if revision > t.revision {
		t.revision = revision
	}
}

// UnaryClientInterceptor sets min_revision on requests that have the field
// and leave it 0 (on a copy: the caller's request is not changed), and
// observes the revision of every successful response that carries one.
func (t *Tracker) UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if message, ok := req.(proto.Message); ok {
			req = t.withMinRevision(message)
		}
		if err := invoker(ctx, method, req, reply, cc, opts...); err != nil {
			return err
		}
		if message, ok := reply.(proto.Message); ok {
			if field := int64Field(message, "revision"); field != nil {
				t.Observe(message.ProtoReflect().Get(field).Int())
			}
		}
		return nil
	}
}

func (t *Tracker) withMinRevision(message proto.Message) proto.Message {
	field := int64Field(message, "min_revision")
	revision := t.Revision()
	if field == nil || revision == 0 || message.ProtoReflect().Get(field).Int() != 0 {
		return message
	}
	copied := proto.Clone(message)
	copied.ProtoReflect().Set(field, protoreflect.ValueOfInt64(revision))
	return copied
}

// int64Field is the message's int64 field of that name, or nil.
func int64Field(message proto.Message, name protoreflect.Name) protoreflect.FieldDescriptor {
	field := message.ProtoReflect().Descriptor().Fields().ByName(name)
	if field == nil || field.Kind() != protoreflect.Int64Kind || field.Cardinality() == protoreflect.Repeated {
		return nil
	}
	return field
}
