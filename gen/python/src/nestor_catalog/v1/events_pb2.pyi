import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nestor_catalog.v1 import component_pb2 as _component_pb2
from nestor_catalog.v1 import registry_pb2 as _registry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_CREATED: _ClassVar[EventType]
    EVENT_TYPE_UPDATED: _ClassVar[EventType]
    EVENT_TYPE_DELETED: _ClassVar[EventType]
    EVENT_TYPE_YANKED: _ClassVar[EventType]
    EVENT_TYPE_UNYANKED: _ClassVar[EventType]
    EVENT_TYPE_POLICY_CHANGED: _ClassVar[EventType]
    EVENT_TYPE_CONSUMER_REGISTERED: _ClassVar[EventType]
    EVENT_TYPE_CONSUMER_DEREGISTERED: _ClassVar[EventType]
    EVENT_TYPE_RESOLUTION_CHANGED: _ClassVar[EventType]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_CREATED: EventType
EVENT_TYPE_UPDATED: EventType
EVENT_TYPE_DELETED: EventType
EVENT_TYPE_YANKED: EventType
EVENT_TYPE_UNYANKED: EventType
EVENT_TYPE_POLICY_CHANGED: EventType
EVENT_TYPE_CONSUMER_REGISTERED: EventType
EVENT_TYPE_CONSUMER_DEREGISTERED: EventType
EVENT_TYPE_RESOLUTION_CHANGED: EventType

class Event(_message.Message):
    __slots__ = ("revision", "type", "event_time", "component", "actor", "policy", "consumer", "resolution_change")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_CHANGE_FIELD_NUMBER: _ClassVar[int]
    revision: int
    type: EventType
    event_time: _timestamp_pb2.Timestamp
    component: _component_pb2.Component
    actor: str
    policy: _registry_pb2.CompatibilityPolicy
    consumer: _registry_pb2.Consumer
    resolution_change: ResolutionChange
    def __init__(self, revision: _Optional[int] = ..., type: _Optional[_Union[EventType, str]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., actor: _Optional[str] = ..., policy: _Optional[_Union[_registry_pb2.CompatibilityPolicy, _Mapping]] = ..., consumer: _Optional[_Union[_registry_pb2.Consumer, _Mapping]] = ..., resolution_change: _Optional[_Union[ResolutionChange, _Mapping]] = ...) -> None: ...

class ResolutionFilter(_message.Message):
    __slots__ = ("name", "constraint")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    name: str
    constraint: str
    def __init__(self, name: _Optional[str] = ..., constraint: _Optional[str] = ...) -> None: ...

class ResolutionChange(_message.Message):
    __slots__ = ("name", "constraint", "old_version", "new_version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    OLD_VERSION_FIELD_NUMBER: _ClassVar[int]
    NEW_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    constraint: str
    old_version: str
    new_version: str
    def __init__(self, name: _Optional[str] = ..., constraint: _Optional[str] = ..., old_version: _Optional[str] = ..., new_version: _Optional[str] = ...) -> None: ...

class EventFilter(_message.Message):
    __slots__ = ("names", "provider", "category", "types", "resolution")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    provider: str
    category: str
    types: _containers.RepeatedScalarFieldContainer[EventType]
    resolution: ResolutionFilter
    def __init__(self, names: _Optional[_Iterable[str]] = ..., provider: _Optional[str] = ..., category: _Optional[str] = ..., types: _Optional[_Iterable[_Union[EventType, str]]] = ..., resolution: _Optional[_Union[ResolutionFilter, _Mapping]] = ...) -> None: ...
