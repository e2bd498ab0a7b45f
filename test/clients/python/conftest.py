"""Fixtures for the Python client tests: a live server from
scripts/test-clients.sh (NESTOR_CATALOG_ADDR, host:port, plaintext; a hybrid
one at NESTOR_CATALOG_HYBRID_ADDR) and the installed nestor_catalog package."""

import os
import secrets

import grpc
import pytest
from google.protobuf import struct_pb2

from nestor_catalog.v1 import catalog_service_pb2_grpc, component_pb2

# Every call gets a deadline so a broken server fails a test instead of hanging it.
CALL_TIMEOUT_S = 20


@pytest.fixture(scope="session")
def server_addr() -> str:
    addr = os.environ.get("NESTOR_CATALOG_ADDR")
    if not addr:
        pytest.fail("NESTOR_CATALOG_ADDR is not set: run these tests through scripts/test-clients.sh, which starts a server")
    return addr


@pytest.fixture(scope="session")
def hybrid_addr() -> str:
    """A catalog serving reads from a Redis replica (storage.type hybrid), from scripts/test-clients.sh."""
    addr = os.environ.get("NESTOR_CATALOG_HYBRID_ADDR")
    if not addr:
        pytest.fail("NESTOR_CATALOG_HYBRID_ADDR is not set: run these tests through scripts/test-clients.sh")
    return addr


@pytest.fixture
def channel(server_addr):
    with grpc.insecure_channel(server_addr) as ch:
        yield ch


@pytest.fixture
def stub(channel) -> catalog_service_pb2_grpc.CatalogServiceStub:
    return catalog_service_pb2_grpc.CatalogServiceStub(channel)


def unique_name(prefix: str) -> str:
    """Keeps tests independent of each other and of earlier runs against the same server."""
    return f"py-{prefix}-{secrets.token_hex(4)}"


def component(name: str, version: str, *inputs: str, labels=None, description=None) -> component_pb2.Component:
    return component_pb2.Component(
        name=name,
        version=version,
        provider="aws",
        category="database",
        description=description or f"MySQL on RDS for {name}",
        labels=labels or {},
        inputs=[
            component_pb2.Input(
                name=i, type=component_pb2.VALUE_TYPE_STRING, default_value=struct_pb2.Value(string_value="default")
            )
            for i in inputs
        ],
        outputs=[component_pb2.Output(name="endpoint", type=component_pb2.VALUE_TYPE_STRING)],
        deployment=component_pb2.Deployment(engine="terraform", engine_version=">= 1.6"),
    )
