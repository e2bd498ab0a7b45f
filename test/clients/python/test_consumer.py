"""The consumer contract through the generated Python client: ValidateInputs,
RegisterConsumer with ListConsumers and GetImpact, and the constraint-aware
watch resumed over a new channel."""

import grpc
import pytest
from google.protobuf import struct_pb2

from conftest import CALL_TIMEOUT_S, component, unique_name
from nestor_catalog.v1 import catalog_service_pb2 as pb
from nestor_catalog.v1 import catalog_service_pb2_grpc, events_pb2
from test_catalog import bad_request_fields, publish


def expect_invalid(call, field: str):
    """The call fails INVALID_ARGUMENT with one violation, on `field`, which the message names."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(bad_request_fields(raised.value)) == [field]
    assert field in raised.value.details()


def test_validate_inputs_reports_each_problem_at_its_path(stub):
    name = unique_name("inputs")
    publish(stub, component(name, "1.2.0", "instance_class"))
    values = struct_pb2.Struct()
    values.update({"instance_class": 5, "colour": "red"})
    answer = stub.ValidateInputs(pb.ValidateInputsRequest(name=name, version="~> 1.2", values=values), timeout=CALL_TIMEOUT_S)
    assert (answer.valid, answer.version) == (False, "1.2.0")
    assert {v.field: v.reason for v in answer.violations} == {
        "values.instance_class": "WRONG_TYPE",
        "values.colour": "UNKNOWN_INPUT",
    }
    expect_invalid(lambda: stub.ValidateInputs(pb.ValidateInputsRequest(name=name, version="one"), timeout=CALL_TIMEOUT_S), "version")


def test_registered_consumers_and_the_impact_of_a_yank(stub):
    name = unique_name("consumers")
    publish(stub, component(name, "1.0.0"))
    publish(stub, component(name, "1.1.0", "instance_class"))
    registered = stub.RegisterConsumer(
        pb.RegisterConsumerRequest(consumer="billing", name=name, constraint="~> 1.0", labels={"team": "pay"}),
        timeout=CALL_TIMEOUT_S,
    )
    assert registered.consumer.create_revision == registered.revision
    listed = stub.ListConsumers(pb.ListConsumersRequest(name=name), timeout=CALL_TIMEOUT_S)
    assert [(c.consumer, c.constraint) for c in listed.consumers] == [("billing", "~> 1.0")]
    impact = stub.GetImpact(pb.GetImpactRequest(name=name, yank_version="1.1.0"), timeout=CALL_TIMEOUT_S)
    assert [(i.current_version, i.next_version, i.breaking) for i in impact.impacts] == [("1.1.0", "1.0.0", True)]
    expect_invalid(
        lambda: stub.RegisterConsumer(pb.RegisterConsumerRequest(consumer="Bad_Id", name=name), timeout=CALL_TIMEOUT_S),
        "consumer",
    )
    stub.DeregisterConsumer(pb.DeregisterConsumerRequest(consumer="billing", name=name), timeout=CALL_TIMEOUT_S)


def resolution_changes(responses, want: int):
    """Receives until `want` RESOLUTION_CHANGED events arrived: "old>new" each, and the last revision."""
    seen, last = [], 0
    while len(seen) < want:
        response = next(responses)
        for event in response.events:
            assert event.type == events_pb2.EVENT_TYPE_RESOLUTION_CHANGED, event
            seen.append(f"{event.resolution_change.old_version}>{event.resolution_change.new_version}")
        last = response.revision
    return seen, last


def test_constraint_watch_reports_each_move_once_across_a_resume(stub, server_addr):
    name = unique_name("follow")
    start = publish(stub, component(name, "1.0.0")).revision
    flt = events_pb2.EventFilter(
        types=[events_pb2.EVENT_TYPE_RESOLUTION_CHANGED],
        resolution=events_pb2.ResolutionFilter(name=name, constraint="~> 1.0"),
    )
    with grpc.insecure_channel(server_addr) as first:
        responses = catalog_service_pb2_grpc.CatalogServiceStub(first).WatchEvents(
            pb.WatchEventsRequest(start_revision=start, resume=True, filter=flt), timeout=60
        )
        publish(stub, component(name, "1.1.0"))
        seen, last = resolution_changes(responses, 1)
        responses.cancel()

    publish(stub, component(name, "2.0.0"))
    stub.YankComponentVersion(pb.YankComponentVersionRequest(name=name, version="1.1.0", reason="bad"), timeout=CALL_TIMEOUT_S)
    with grpc.insecure_channel(server_addr) as second:
        resumed = catalog_service_pb2_grpc.CatalogServiceStub(second).WatchEvents(
            pb.WatchEventsRequest(start_revision=last, resume=True, filter=flt), timeout=60
        )
        rest, _ = resolution_changes(resumed, 1)
        resumed.cancel()
    assert seen + rest == ["1.0.0>1.1.0", "1.1.0>1.0.0"]

    bad = events_pb2.EventFilter(resolution=events_pb2.ResolutionFilter(name=name, constraint="one"))
    expect_invalid(lambda: next(stub.WatchEvents(pb.WatchEventsRequest(filter=bad), timeout=CALL_TIMEOUT_S)), "filter.resolution.constraint")
