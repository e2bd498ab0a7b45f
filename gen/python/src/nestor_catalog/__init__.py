"""Python client for Nestor Catalog.

The generated modules live in ``nestor_catalog.v1`` (messages in
``*_pb2``, the stub in ``catalog_service_pb2_grpc``). The package is named
``nestor_catalog`` rather than after the proto package so it never shadows
another distribution's top-level package (``grpc``, ``google``).
"""

__version__ = "0.1.0"
