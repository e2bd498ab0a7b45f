import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nestor_catalog.v1 import component_pb2 as _component_pb2
from nestor_catalog.v1 import events_pb2 as _events_pb2
from nestor_catalog.v1 import registry_pb2 as _registry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WarningKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WARNING_KIND_UNSPECIFIED: _ClassVar[WarningKind]
    WARNING_KIND_DEPRECATED: _ClassVar[WarningKind]
    WARNING_KIND_YANKED: _ClassVar[WarningKind]

class VersionBump(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERSION_BUMP_UNSPECIFIED: _ClassVar[VersionBump]
    VERSION_BUMP_NONE: _ClassVar[VersionBump]
    VERSION_BUMP_PATCH: _ClassVar[VersionBump]
    VERSION_BUMP_MINOR: _ClassVar[VersionBump]
    VERSION_BUMP_MAJOR: _ClassVar[VersionBump]
WARNING_KIND_UNSPECIFIED: WarningKind
WARNING_KIND_DEPRECATED: WarningKind
WARNING_KIND_YANKED: WarningKind
VERSION_BUMP_UNSPECIFIED: VersionBump
VERSION_BUMP_NONE: VersionBump
VERSION_BUMP_PATCH: VersionBump
VERSION_BUMP_MINOR: VersionBump
VERSION_BUMP_MAJOR: VersionBump

class CreateComponentRequest(_message.Message):
    __slots__ = ("component", "validate_only")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    validate_only: bool
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class CreateComponentResponse(_message.Message):
    __slots__ = ("component", "created", "revision")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    created: bool
    revision: int
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., created: _Optional[bool] = ..., revision: _Optional[int] = ...) -> None: ...

class GetComponentRequest(_message.Message):
    __slots__ = ("name", "version", "min_revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    min_revision: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class GetComponentResponse(_message.Message):
    __slots__ = ("component", "revision", "deprecated", "warnings")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    revision: int
    deprecated: bool
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., revision: _Optional[int] = ..., deprecated: _Optional[bool] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class Warning(_message.Message):
    __slots__ = ("kind", "message", "name", "version", "replacement", "sunset_time")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    SUNSET_TIME_FIELD_NUMBER: _ClassVar[int]
    kind: WarningKind
    message: str
    name: str
    version: str
    replacement: _component_pb2.ComponentReference
    sunset_time: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[WarningKind, str]] = ..., message: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[str] = ..., replacement: _Optional[_Union[_component_pb2.ComponentReference, _Mapping]] = ..., sunset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateComponentRequest(_message.Message):
    __slots__ = ("component", "update_mask")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateComponentResponse(_message.Message):
    __slots__ = ("component", "revision")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    revision: int
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class DeleteComponentRequest(_message.Message):
    __slots__ = ("name", "version", "all_versions", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ALL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    all_versions: bool
    etag: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., all_versions: _Optional[bool] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteComponentResponse(_message.Message):
    __slots__ = ("components", "revision")
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    components: _containers.RepeatedCompositeFieldContainer[_component_pb2.Component]
    revision: int
    def __init__(self, components: _Optional[_Iterable[_Union[_component_pb2.Component, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class ComponentFilter(_message.Message):
    __slots__ = ("provider", "category", "labels", "deployment_engine", "include_deprecated")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ENGINE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    provider: str
    category: str
    labels: _containers.ScalarMap[str, str]
    deployment_engine: str
    include_deprecated: bool
    def __init__(self, provider: _Optional[str] = ..., category: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., deployment_engine: _Optional[str] = ..., include_deprecated: _Optional[bool] = ...) -> None: ...

class ListComponentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "all_versions", "order_by", "min_revision")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ALL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: ComponentFilter
    all_versions: bool
    order_by: str
    min_revision: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[ComponentFilter, _Mapping]] = ..., all_versions: _Optional[bool] = ..., order_by: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class ListComponentsResponse(_message.Message):
    __slots__ = ("components", "next_page_token", "revision", "warnings")
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    components: _containers.RepeatedCompositeFieldContainer[_component_pb2.Component]
    next_page_token: str
    revision: int
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, components: _Optional[_Iterable[_Union[_component_pb2.Component, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class SearchComponentsRequest(_message.Message):
    __slots__ = ("query", "filter", "page_size", "page_token", "min_revision")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    query: str
    filter: ComponentFilter
    page_size: int
    page_token: str
    min_revision: int
    def __init__(self, query: _Optional[str] = ..., filter: _Optional[_Union[ComponentFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class SearchComponentsResponse(_message.Message):
    __slots__ = ("results", "next_page_token", "revision", "warnings")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    next_page_token: str
    revision: int
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ("component", "score")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    score: float
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class ListComponentVersionsRequest(_message.Message):
    __slots__ = ("name", "page_size", "page_token", "min_revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    page_size: int
    page_token: str
    min_revision: int
    def __init__(self, name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class ListComponentVersionsResponse(_message.Message):
    __slots__ = ("components", "next_page_token", "revision", "warnings")
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    components: _containers.RepeatedCompositeFieldContainer[_component_pb2.Component]
    next_page_token: str
    revision: int
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, components: _Optional[_Iterable[_Union[_component_pb2.Component, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class YankComponentVersionRequest(_message.Message):
    __slots__ = ("name", "version", "reason", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    reason: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., reason: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class YankComponentVersionResponse(_message.Message):
    __slots__ = ("component", "revision")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    revision: int
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class UnyankComponentVersionRequest(_message.Message):
    __slots__ = ("name", "version", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class UnyankComponentVersionResponse(_message.Message):
    __slots__ = ("component", "revision")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    component: _component_pb2.Component
    revision: int
    def __init__(self, component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class CompareComponentVersionsRequest(_message.Message):
    __slots__ = ("name", "base_version", "target_version", "min_revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TARGET_VERSION_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    base_version: str
    target_version: str
    min_revision: int
    def __init__(self, name: _Optional[str] = ..., base_version: _Optional[str] = ..., target_version: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class CompareComponentVersionsResponse(_message.Message):
    __slots__ = ("changes", "breaking", "required_bump", "bump_sufficient", "revision", "satisfied_modes", "policy")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    BREAKING_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_BUMP_FIELD_NUMBER: _ClassVar[int]
    BUMP_SUFFICIENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_MODES_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[SpecChange]
    breaking: bool
    required_bump: VersionBump
    bump_sufficient: bool
    revision: int
    satisfied_modes: _containers.RepeatedScalarFieldContainer[_registry_pb2.CompatibilityMode]
    policy: _registry_pb2.CompatibilityPolicy
    def __init__(self, changes: _Optional[_Iterable[_Union[SpecChange, _Mapping]]] = ..., breaking: _Optional[bool] = ..., required_bump: _Optional[_Union[VersionBump, str]] = ..., bump_sufficient: _Optional[bool] = ..., revision: _Optional[int] = ..., satisfied_modes: _Optional[_Iterable[_Union[_registry_pb2.CompatibilityMode, str]]] = ..., policy: _Optional[_Union[_registry_pb2.CompatibilityPolicy, _Mapping]] = ...) -> None: ...

class ValidateInputsRequest(_message.Message):
    __slots__ = ("name", "version", "values", "min_revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    values: _struct_pb2.Struct
    min_revision: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., values: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., min_revision: _Optional[int] = ...) -> None: ...

class ValidateInputsResponse(_message.Message):
    __slots__ = ("version", "valid", "violations", "warnings", "revision")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    version: str
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    revision: int
    def __init__(self, version: _Optional[str] = ..., valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description", "reason")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    reason: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetCompatibilityPolicyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCompatibilityPolicyResponse(_message.Message):
    __slots__ = ("policy", "revision")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    policy: _registry_pb2.CompatibilityPolicy
    revision: int
    def __init__(self, policy: _Optional[_Union[_registry_pb2.CompatibilityPolicy, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class SetCompatibilityPolicyRequest(_message.Message):
    __slots__ = ("name", "mode")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    name: str
    mode: _registry_pb2.CompatibilityMode
    def __init__(self, name: _Optional[str] = ..., mode: _Optional[_Union[_registry_pb2.CompatibilityMode, str]] = ...) -> None: ...

class SetCompatibilityPolicyResponse(_message.Message):
    __slots__ = ("policy", "revision")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    policy: _registry_pb2.CompatibilityPolicy
    revision: int
    def __init__(self, policy: _Optional[_Union[_registry_pb2.CompatibilityPolicy, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class SpecChange(_message.Message):
    __slots__ = ("path", "breaking", "description", "bump")
    PATH_FIELD_NUMBER: _ClassVar[int]
    BREAKING_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BUMP_FIELD_NUMBER: _ClassVar[int]
    path: str
    breaking: bool
    description: str
    bump: VersionBump
    def __init__(self, path: _Optional[str] = ..., breaking: _Optional[bool] = ..., description: _Optional[str] = ..., bump: _Optional[_Union[VersionBump, str]] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("start_revision", "filter", "resume")
    START_REVISION_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    start_revision: int
    filter: _events_pb2.EventFilter
    resume: bool
    def __init__(self, start_revision: _Optional[int] = ..., filter: _Optional[_Union[_events_pb2.EventFilter, _Mapping]] = ..., resume: _Optional[bool] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ("events", "revision", "progress")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_events_pb2.Event]
    revision: int
    progress: bool
    def __init__(self, events: _Optional[_Iterable[_Union[_events_pb2.Event, _Mapping]]] = ..., revision: _Optional[int] = ..., progress: _Optional[bool] = ...) -> None: ...

class RegisterConsumerRequest(_message.Message):
    __slots__ = ("consumer", "name", "constraint", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    name: str
    constraint: str
    labels: _containers.ScalarMap[str, str]
    def __init__(self, consumer: _Optional[str] = ..., name: _Optional[str] = ..., constraint: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RegisterConsumerResponse(_message.Message):
    __slots__ = ("consumer", "revision")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    consumer: _registry_pb2.Consumer
    revision: int
    def __init__(self, consumer: _Optional[_Union[_registry_pb2.Consumer, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class DeregisterConsumerRequest(_message.Message):
    __slots__ = ("consumer", "name")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    name: str
    def __init__(self, consumer: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeregisterConsumerResponse(_message.Message):
    __slots__ = ("consumer", "revision")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    consumer: _registry_pb2.Consumer
    revision: int
    def __init__(self, consumer: _Optional[_Union[_registry_pb2.Consumer, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class ListConsumersRequest(_message.Message):
    __slots__ = ("name", "consumer", "min_revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    consumer: str
    min_revision: int
    def __init__(self, name: _Optional[str] = ..., consumer: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class ListConsumersResponse(_message.Message):
    __slots__ = ("consumers", "revision")
    CONSUMERS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    consumers: _containers.RepeatedCompositeFieldContainer[_registry_pb2.Consumer]
    revision: int
    def __init__(self, consumers: _Optional[_Iterable[_Union[_registry_pb2.Consumer, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class GetImpactRequest(_message.Message):
    __slots__ = ("name", "component", "deprecate_version", "yank_version", "min_revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    DEPRECATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    YANK_VERSION_FIELD_NUMBER: _ClassVar[int]
    MIN_REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    component: _component_pb2.Component
    deprecate_version: str
    yank_version: str
    min_revision: int
    def __init__(self, name: _Optional[str] = ..., component: _Optional[_Union[_component_pb2.Component, _Mapping]] = ..., deprecate_version: _Optional[str] = ..., yank_version: _Optional[str] = ..., min_revision: _Optional[int] = ...) -> None: ...

class GetImpactResponse(_message.Message):
    __slots__ = ("impacts", "revision")
    IMPACTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    impacts: _containers.RepeatedCompositeFieldContainer[ConsumerImpact]
    revision: int
    def __init__(self, impacts: _Optional[_Iterable[_Union[ConsumerImpact, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class ConsumerImpact(_message.Message):
    __slots__ = ("consumer", "current_version", "next_version", "changed", "breaking", "changes")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    NEXT_VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    BREAKING_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    consumer: _registry_pb2.Consumer
    current_version: str
    next_version: str
    changed: bool
    breaking: bool
    changes: _containers.RepeatedCompositeFieldContainer[SpecChange]
    def __init__(self, consumer: _Optional[_Union[_registry_pb2.Consumer, _Mapping]] = ..., current_version: _Optional[str] = ..., next_version: _Optional[str] = ..., changed: _Optional[bool] = ..., breaking: _Optional[bool] = ..., changes: _Optional[_Iterable[_Union[SpecChange, _Mapping]]] = ...) -> None: ...
