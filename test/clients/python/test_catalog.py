"""The generated Python client (gen/python) against a live Nestor Catalog."""

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2, status_pb2

from conftest import CALL_TIMEOUT_S, component, unique_name
from nestor_catalog.v1 import catalog_service_pb2 as pb
from nestor_catalog.read_your_writes import ReadYourWrites
from nestor_catalog.v1 import catalog_service_pb2_grpc, component_pb2, events_pb2


def publish(stub, c):
    return stub.CreateComponent(pb.CreateComponentRequest(component=c), timeout=CALL_TIMEOUT_S)


def deprecate(stub, name, version, message):
    return stub.UpdateComponent(
        pb.UpdateComponentRequest(
            component=component_pb2.Component(
                name=name, version=version, deprecation=component_pb2.Deprecation(deprecated=True, message=message)
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["deprecation"]),
        ),
        timeout=CALL_TIMEOUT_S,
    )


def test_create_then_get_by_exact_version_latest_and_constraint(stub):
    name = unique_name("get")
    for version in ["1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0"]:
        created = publish(stub, component(name, version, "instance_class"))
        assert created.created
        assert created.revision > 0
        assert created.component.create_revision == created.revision
    assert not publish(stub, component(name, "1.0.0", "instance_class")).created

    expected = {"1.3.0-rc.1": "1.3.0-rc.1", "": "2.0.0", "latest": "2.0.0", "^1.0": "1.2.0", "~> 1.2": "1.2.0", ">=1.0 <2.0": "1.2.0"}
    for asked, want in expected.items():
        got = stub.GetComponent(pb.GetComponentRequest(name=name, version=asked), timeout=CALL_TIMEOUT_S)
        assert got.component.version == want, f"{asked!r} resolved to {got.component.version}"
        assert got.revision > 0


def test_list_components_walks_every_page(stub):
    suite = unique_name("list")
    names = [f"{suite}-{letter}" for letter in "abcde"]
    for name in names:
        publish(stub, component(name, "1.0.0", "instance_class", labels={"suite": suite}))

    listed, pages, token = [], 0, ""
    while True:
        page = stub.ListComponents(
            pb.ListComponentsRequest(page_size=2, page_token=token, filter=pb.ComponentFilter(labels={"suite": suite})),
            timeout=CALL_TIMEOUT_S,
        )
        pages += 1
        listed += [c.name for c in page.components]
        token = page.next_page_token
        if not token:
            break
        assert pages < 10, "list never ended"
    assert pages == 3
    assert listed == names


def test_search_finds_component_by_description_term(stub):
    name = unique_name("search")
    term = name.replace("-", "")
    publish(stub, component(name, "1.0.0", "instance_class", description=f"Aurora cluster tagged {term}"))
    found = stub.SearchComponents(pb.SearchComponentsRequest(query=term), timeout=CALL_TIMEOUT_S)
    assert [r.component.name for r in found.results] == [name]
    assert found.results[0].score > 0


def test_deprecating_the_highest_version_moves_latest(stub):
    name = unique_name("deprecate")
    publish(stub, component(name, "1.0.0", "instance_class"))
    publish(stub, component(name, "1.1.0", "instance_class"))
    updated = deprecate(stub, name, "1.1.0", "use 1.0.0")
    assert updated.component.deprecation.deprecated
    assert updated.component.deprecation.HasField("deprecate_time")

    latest = stub.GetComponent(pb.GetComponentRequest(name=name, version="latest"), timeout=CALL_TIMEOUT_S)
    assert (latest.component.version, latest.deprecated) == ("1.0.0", False)
    exact = stub.GetComponent(pb.GetComponentRequest(name=name, version="1.1.0"), timeout=CALL_TIMEOUT_S)
    assert exact.deprecated
    assert exact.component.deprecation.message == "use 1.0.0"


def test_compare_versions_reports_a_breaking_removal_as_major(stub):
    name = unique_name("compare")
    publish(stub, component(name, "1.0.0", "instance_class", "storage_gb"))
    publish(stub, component(name, "2.0.0", "instance_class"))
    diff = stub.CompareComponentVersions(
        pb.CompareComponentVersionsRequest(name=name, base_version="1.0.0", target_version="2.0.0"), timeout=CALL_TIMEOUT_S
    )
    assert diff.breaking
    assert diff.required_bump == pb.VERSION_BUMP_MAJOR
    assert diff.bump_sufficient
    assert any("storage_gb" in change.path and change.breaking for change in diff.changes)


def bad_request_fields(err: grpc.RpcError) -> dict:
    """Field violations from the grpc-status-details-bin trailer (google.rpc.Status)."""
    fields = {}
    for key, value in err.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields.update({v.field: v.description for v in bad.field_violations})
    return fields


def test_invalid_component_fails_with_field_violations(stub):
    with pytest.raises(grpc.RpcError) as raised:
        publish(stub, component("Not_A_Label", "v1"))
    err = raised.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "component.name" in err.details() and "DNS-1123" in err.details()
    fields = bad_request_fields(err)
    assert fields.get("component.name"), fields
    assert fields.get("component.version"), fields

    with pytest.raises(grpc.RpcError) as missing:
        stub.GetComponent(pb.GetComponentRequest(name=unique_name("missing")), timeout=CALL_TIMEOUT_S)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def read_events(responses, want: int, last: int):
    """Receives until `want` events arrived; returns them and the revision to resume from."""
    seen = []
    while len(seen) < want:
        response = next(responses)
        seen += [(e.revision, e.type, e.component.version) for e in response.events]
        last = response.revision
    return seen, last


def test_watch_resumes_after_forced_disconnect_with_every_event_once(stub, server_addr):
    name = unique_name("watch")
    start = publish(stub, component(name, "0.1.0", "instance_class")).revision
    flt = events_pb2.EventFilter(names=[name])

    first = grpc.insecure_channel(server_addr)
    responses = catalog_service_pb2_grpc.CatalogServiceStub(first).WatchEvents(
        pb.WatchEventsRequest(start_revision=start, filter=flt), timeout=60
    )
    publish(stub, component(name, "0.2.0", "instance_class"))
    publish(stub, component(name, "0.3.0", "instance_class"))
    seen, last = read_events(responses, 2, start)

    # Forced disconnect: the channel closes under the open stream.
    first.close()
    with pytest.raises(grpc.RpcError) as closed:
        next(responses)
    assert closed.value.code() == grpc.StatusCode.CANCELLED

    # Writes while nobody watches must be replayed on resume.
    publish(stub, component(name, "0.4.0", "instance_class"))
    deprecate(stub, name, "0.2.0", "gone")

    with grpc.insecure_channel(server_addr) as second:
        resumed = catalog_service_pb2_grpc.CatalogServiceStub(second).WatchEvents(
            pb.WatchEventsRequest(start_revision=last, filter=flt), timeout=60
        )
        publish(stub, component(name, "0.5.0", "instance_class"))
        rest, _ = read_events(resumed, 3, last)
        resumed.cancel()
    seen += rest

    created, updated = events_pb2.EVENT_TYPE_CREATED, events_pb2.EVENT_TYPE_UPDATED
    assert [(kind, version) for _, kind, version in seen] == [
        (created, "0.2.0"),
        (created, "0.3.0"),
        (created, "0.4.0"),
        (updated, "0.2.0"),
        (created, "0.5.0"),
    ]
    revisions = [revision for revision, _, _ in seen]
    assert revisions == sorted(set(revisions)), "events duplicated or out of order"
    assert revisions[0] > start


def test_read_your_writes_sends_the_highest_revision_seen_as_min_revision(hybrid_addr):
    tracker = ReadYourWrites()
    with grpc.insecure_channel(hybrid_addr) as plain:
        stub = catalog_service_pb2_grpc.CatalogServiceStub(grpc.intercept_channel(plain, tracker))
        name = unique_name("ryw")
        publish(stub, component(name, "1.0.0"))
        created = publish(stub, component(name, "1.1.0"))
        assert tracker.revision == created.revision

        # The replica has applied the write before answering: the read sees it.
        got = stub.GetComponent(pb.GetComponentRequest(name=name, version="latest"), timeout=CALL_TIMEOUT_S)
        assert got.component.version == "1.1.0"
        assert got.revision >= created.revision

        # A revision no replica has reached: the server says so, with a retry hint; the request is not changed.
        ahead = created.revision + 1_000_000
        tracker.observe(ahead)
        request = pb.GetComponentRequest(name=name, version="1.0.0")
        with pytest.raises(grpc.RpcError) as failure:
            stub.GetComponent(request, timeout=CALL_TIMEOUT_S)
        assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
        assert f"min_revision {ahead} is not available" in failure.value.details()
        assert request.min_revision == 0
        retry = retry_info_of(failure.value)
        assert retry is not None and retry.retry_delay.ToMilliseconds() > 0

        # A min_revision the caller sets is sent as it is.
        explicit = stub.GetComponent(pb.GetComponentRequest(name=name, version="1.0.0", min_revision=1), timeout=CALL_TIMEOUT_S)
        assert explicit.component.version == "1.0.0"


def retry_info_of(error):
    """The google.rpc.RetryInfo in a failed call's grpc-status-details-bin trailer, or None."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.RetryInfo()
                if detail.Unpack(info):
                    return info
    return None
