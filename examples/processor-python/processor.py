"""An example processor: lists every component version at one revision, then
follows WatchEvents from that revision, keeping an in-memory view and
printing each change. A broken stream is resumed from the last revision
received (with backoff); OUT_OF_RANGE means the server compacted past that
revision, so it lists again.

    pip install nestor-catalog-client
    python processor.py --addr 127.0.0.1:8080 [--tls] [--token T] [--duration 10]
"""

import argparse
import os
import signal
import sys
import threading
import time

import grpc

from nestor_catalog.v1 import catalog_service_pb2 as pb
from nestor_catalog.v1 import catalog_service_pb2_grpc, events_pb2

# Errors a reconnect cannot fix.
PERMANENT = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNIMPLEMENTED,
}


class Relist(Exception):
    """The event log no longer holds our revision."""


def key(component) -> str:
    return f"{component.name}@{component.version}"


class Processor:
    def __init__(self, stub, metadata, stop: threading.Event):
        self.stub = stub
        self.metadata = metadata
        self.stop = stop
        self.view = {}
        self.stream = None

    def list(self) -> int:
        """Loads every version; returns the first page's revision (see the README on why that is the one)."""
        self.view = {}
        revision, token, first = 0, "", True
        while first or token:
            page = self.stub.ListComponents(
                pb.ListComponentsRequest(
                    page_size=200,
                    page_token=token,
                    all_versions=True,
                    filter=pb.ComponentFilter(include_deprecated=True),
                ),
                timeout=10,
                metadata=self.metadata,
            )
            if first:
                revision, first = page.revision, False
            self.view.update((key(c), c) for c in page.components)
            token = page.next_page_token
        return revision

    def apply(self, event) -> None:
        k = key(event.component)
        if event.type == events_pb2.EVENT_TYPE_DELETED:
            self.view.pop(k, None)
        else:
            self.view[k] = event.component
        deprecated = " (deprecated)" if event.component.deprecation.deprecated else ""
        kind = events_pb2.EventType.Name(event.type)
        print(f"revision {event.revision}: {kind} {k}{deprecated}; view holds {len(self.view)} versions", flush=True)

    def watch(self, revision: int) -> None:
        backoff = 0.25
        while not self.stop.is_set():
            self.stream = self.stub.WatchEvents(pb.WatchEventsRequest(start_revision=revision, resume=True), metadata=self.metadata)
            try:
                for response in self.stream:
                    backoff = 0.25
                    for event in response.events:
                        self.apply(event)
                    revision = max(revision, response.revision)
            except grpc.RpcError as err:
                if self.stop.is_set():
                    return
                if err.code() == grpc.StatusCode.OUT_OF_RANGE:
                    raise Relist() from err
                if err.code() in PERMANENT:
                    raise
                print(f"stream lost ({err.code().name}: {err.details()}); resuming from revision {revision} in {backoff}s", flush=True)
            self.stop.wait(backoff)
            backoff = min(backoff * 2, 30)

    def run(self) -> None:
        while not self.stop.is_set():
            revision = self.list()
            print(f"listed {len(self.view)} component versions at revision {revision}", flush=True)
            print(f"watching from revision {revision}", flush=True)
            try:
                self.watch(revision)
            except Relist:
                print("revision compacted away: listing again", flush=True)

    def shutdown(self) -> None:
        self.stop.set()
        if self.stream is not None:
            self.stream.cancel()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default=os.environ.get("NESTOR_CATALOG_ADDR", "127.0.0.1:8080"))
    parser.add_argument("--tls", action="store_true", help="dial with TLS (system roots)")
    parser.add_argument("--token", default=os.environ.get("NESTOR_CATALOG_TOKEN", ""))
    parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until interrupted)")
    args = parser.parse_args()

    channel = (
        grpc.secure_channel(args.addr, grpc.ssl_channel_credentials()) if args.tls else grpc.insecure_channel(args.addr)
    )
    metadata = (("authorization", f"Bearer {args.token}"),) if args.token else ()
    processor = Processor(catalog_service_pb2_grpc.CatalogServiceStub(channel), metadata, threading.Event())
    signal.signal(signal.SIGTERM, lambda *_: processor.shutdown())
    signal.signal(signal.SIGINT, lambda *_: processor.shutdown())
    if args.duration > 0:
        timer = threading.Timer(args.duration, processor.shutdown)
        timer.daemon = True
        timer.start()
    with channel:
        processor.run()
    print(f"stopped with {len(processor.view)} versions in view", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
