"""Read-your-writes for a Nestor Catalog whose reads may come from replicas.

A catalog on hybrid storage answers reads from replicas that trail its
primary. ``ReadYourWrites`` is a gRPC client interceptor that remembers the
highest catalog revision its client's responses carried (every write
response says the revision it created, every read response the revision it
reflects) and sends it as ``min_revision`` on every read that does not set
one, so a read never shows an older catalog than one the client already
saw. The server waits a bounded time for a replica to reach it, then fails
UNAVAILABLE with ``google.rpc.RetryInfo``. WatchEvents revisions are not
taken: the watch follows the primary's log.

    tracker = ReadYourWrites()
    channel = grpc.intercept_channel(grpc.insecure_channel(addr), tracker)
    stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)

Share one ``ReadYourWrites`` between channels to read each other's writes.
This module is written by hand; scripts/generate.sh leaves it in place.
"""

import threading

import grpc

__all__ = ["ReadYourWrites"]


class ReadYourWrites(grpc.UnaryUnaryClientInterceptor):
    """Sends the highest revision seen as min_revision on reads that leave it 0."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revision = 0

    @property
    def revision(self) -> int:
        """The highest catalog revision seen so far (0 before any)."""
        with self._lock:
            return self._revision

    def observe(self, revision: int) -> None:
        """Remembers ``revision`` when it is higher than any seen."""
        with self._lock:
            if revision > self._revision:
                self._revision = revision

    def intercept_unary_unary(self, continuation, client_call_details, request):
        revision = self.revision
        if revision > 0 and "min_revision" in request.DESCRIPTOR.fields_by_name and request.min_revision == 0:
            copied = type(request)()
            copied.CopyFrom(request)
            copied.min_revision = revision
            request = copied
        outcome = continuation(client_call_details, request)
        outcome.add_done_callback(self._observe_outcome)
        return outcome

    def _observe_outcome(self, outcome) -> None:
        if outcome.exception() is not None:
            return
        response = outcome.result()
        if "revision" in response.DESCRIPTOR.fields_by_name:
            self.observe(response.revision)
