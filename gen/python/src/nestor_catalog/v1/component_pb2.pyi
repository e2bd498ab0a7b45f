import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ValueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALUE_TYPE_UNSPECIFIED: _ClassVar[ValueType]
    VALUE_TYPE_STRING: _ClassVar[ValueType]
    VALUE_TYPE_NUMBER: _ClassVar[ValueType]
    VALUE_TYPE_INTEGER: _ClassVar[ValueType]
    VALUE_TYPE_BOOLEAN: _ClassVar[ValueType]
    VALUE_TYPE_LIST: _ClassVar[ValueType]
    VALUE_TYPE_MAP: _ClassVar[ValueType]
    VALUE_TYPE_OBJECT: _ClassVar[ValueType]
VALUE_TYPE_UNSPECIFIED: ValueType
VALUE_TYPE_STRING: ValueType
VALUE_TYPE_NUMBER: ValueType
VALUE_TYPE_INTEGER: ValueType
VALUE_TYPE_BOOLEAN: ValueType
VALUE_TYPE_LIST: ValueType
VALUE_TYPE_MAP: ValueType
VALUE_TYPE_OBJECT: ValueType

class Component(_message.Message):
    __slots__ = ("name", "version", "provider", "category", "description", "labels", "inputs", "outputs", "deployment", "source", "deprecation", "create_time", "update_time", "create_revision", "update_revision", "etag", "content_digest", "create_actor", "update_actor", "yank")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DEPRECATION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_REVISION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CONTENT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_ACTOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_ACTOR_FIELD_NUMBER: _ClassVar[int]
    YANK_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    provider: str
    category: str
    description: str
    labels: _containers.ScalarMap[str, str]
    inputs: _containers.RepeatedCompositeFieldContainer[Input]
    outputs: _containers.RepeatedCompositeFieldContainer[Output]
    deployment: Deployment
    source: Source
    deprecation: Deprecation
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    create_revision: int
    update_revision: int
    etag: str
    content_digest: str
    create_actor: str
    update_actor: str
    yank: Yank
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., provider: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., inputs: _Optional[_Iterable[_Union[Input, _Mapping]]] = ..., outputs: _Optional[_Iterable[_Union[Output, _Mapping]]] = ..., deployment: _Optional[_Union[Deployment, _Mapping]] = ..., source: _Optional[_Union[Source, _Mapping]] = ..., deprecation: _Optional[_Union[Deprecation, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_revision: _Optional[int] = ..., update_revision: _Optional[int] = ..., etag: _Optional[str] = ..., content_digest: _Optional[str] = ..., create_actor: _Optional[str] = ..., update_actor: _Optional[str] = ..., yank: _Optional[_Union[Yank, _Mapping]] = ...) -> None: ...

class Input(_message.Message):
    __slots__ = ("name", "type", "description", "default_value", "required", "sensitive", "validation")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: ValueType
    description: str
    default_value: _struct_pb2.Value
    required: bool
    sensitive: bool
    validation: Validation
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[ValueType, str]] = ..., description: _Optional[str] = ..., default_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., required: _Optional[bool] = ..., sensitive: _Optional[bool] = ..., validation: _Optional[_Union[Validation, _Mapping]] = ...) -> None: ...

class Validation(_message.Message):
    __slots__ = ("min_length", "max_length", "pattern", "allowed_values", "minimum", "maximum")
    MIN_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    min_length: int
    max_length: int
    pattern: str
    allowed_values: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Value]
    minimum: float
    maximum: float
    def __init__(self, min_length: _Optional[int] = ..., max_length: _Optional[int] = ..., pattern: _Optional[str] = ..., allowed_values: _Optional[_Iterable[_Union[_struct_pb2.Value, _Mapping]]] = ..., minimum: _Optional[float] = ..., maximum: _Optional[float] = ...) -> None: ...

class Output(_message.Message):
    __slots__ = ("name", "type", "description", "sensitive")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: ValueType
    description: str
    sensitive: bool
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[ValueType, str]] = ..., description: _Optional[str] = ..., sensitive: _Optional[bool] = ...) -> None: ...

class Deployment(_message.Message):
    __slots__ = ("engine", "engine_version", "config")
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    engine: str
    engine_version: str
    config: _struct_pb2.Struct
    def __init__(self, engine: _Optional[str] = ..., engine_version: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("repository", "commit", "path")
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    repository: str
    commit: str
    path: str
    def __init__(self, repository: _Optional[str] = ..., commit: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class Deprecation(_message.Message):
    __slots__ = ("deprecated", "message", "deprecate_time", "replacement", "sunset_time")
    DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DEPRECATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    SUNSET_TIME_FIELD_NUMBER: _ClassVar[int]
    deprecated: bool
    message: str
    deprecate_time: _timestamp_pb2.Timestamp
    replacement: ComponentReference
    sunset_time: _timestamp_pb2.Timestamp
    def __init__(self, deprecated: _Optional[bool] = ..., message: _Optional[str] = ..., deprecate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replacement: _Optional[_Union[ComponentReference, _Mapping]] = ..., sunset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ComponentReference(_message.Message):
    __slots__ = ("name", "constraint")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    name: str
    constraint: str
    def __init__(self, name: _Optional[str] = ..., constraint: _Optional[str] = ...) -> None: ...

class Yank(_message.Message):
    __slots__ = ("reason", "yank_time", "actor")
    REASON_FIELD_NUMBER: _ClassVar[int]
    YANK_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    reason: str
    yank_time: _timestamp_pb2.Timestamp
    actor: str
    def __init__(self, reason: _Optional[str] = ..., yank_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...
