"""An example consumer: registers itself as a consumer of NAME@CONSTRAINT,
reads the version the constraint resolves to now, then lets the server tell
it each time that changes (WatchEvents with filter.resolution:
RESOLUTION_CHANGED events). It never resolves a constraint itself; a broken
stream resumes from the last revision received.

    python follow.py --addr 127.0.0.1:8080 --component aws-rds-mysql --constraint "~> 1.2" [--consumer ID] [--duration 10]
"""

import argparse
import os
import threading
import time

import grpc

from nestor_catalog.v1 import catalog_service_pb2 as pb
from nestor_catalog.v1 import catalog_service_pb2_grpc, events_pb2


def follow(stub, metadata, resolution, revision: int, stop: threading.Event) -> None:
    """Prints each RESOLUTION_CHANGED event after `revision`, reconnecting from the last revision seen."""
    flt = events_pb2.EventFilter(types=[events_pb2.EVENT_TYPE_RESOLUTION_CHANGED], resolution=resolution)
    while not stop.is_set():
        stream = stub.WatchEvents(pb.WatchEventsRequest(start_revision=revision, resume=True, filter=flt), metadata=metadata)
        threading.Thread(target=lambda: (stop.wait(), stream.cancel()), daemon=True).start()
        try:
            for response in stream:
                for event in response.events:
                    change = event.resolution_change
                    print(f"now {change.new_version or '(none)'} (was {change.old_version or '(none)'}) at revision {event.revision}", flush=True)
                revision = response.revision
        except grpc.RpcError as err:
            if stop.is_set():
                return
            print(f"stream lost ({err.code().name}); resuming from revision {revision}", flush=True)
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default=os.environ.get("NESTOR_CATALOG_ADDR", "127.0.0.1:8080"))
    parser.add_argument("--consumer", default="example-processor")
    parser.add_argument("--component", default="aws-rds-mysql")
    parser.add_argument("--constraint", default="")
    parser.add_argument("--token", default=os.environ.get("NESTOR_CATALOG_TOKEN", ""))
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until interrupted)")
    args = parser.parse_args()
    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    stop = threading.Event()
    if args.duration:
        threading.Timer(args.duration, stop.set).start()
    with grpc.insecure_channel(args.addr) as channel:
        stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
        register = pb.RegisterConsumerRequest(
            consumer=args.consumer, name=args.component, constraint=args.constraint, labels={"example": "processor-python"}
        )
        stub.RegisterConsumer(register, metadata=metadata, timeout=10)
        now = stub.GetComponent(pb.GetComponentRequest(name=args.component, version=args.constraint), metadata=metadata, timeout=10)
        print(f"following {args.component}@{args.constraint!r} as {args.consumer}: now {now.component.version} at revision {now.revision}", flush=True)
        resolution = events_pb2.ResolutionFilter(name=args.component, constraint=args.constraint)
        try:
            follow(stub, metadata, resolution, now.revision, stop)
        except KeyboardInterrupt:
            stop.set()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
