import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_TRIGGER_UNSPECIFIED: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_START: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_POLL: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_API: _ClassVar[SyncTrigger]

class SyncRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_RUN_STATE_UNSPECIFIED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_RUNNING: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_SUCCEEDED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_FAILED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_SKIPPED: _ClassVar[SyncRunState]
SYNC_TRIGGER_UNSPECIFIED: SyncTrigger
SYNC_TRIGGER_START: SyncTrigger
SYNC_TRIGGER_POLL: SyncTrigger
SYNC_TRIGGER_API: SyncTrigger
SYNC_RUN_STATE_UNSPECIFIED: SyncRunState
SYNC_RUN_STATE_RUNNING: SyncRunState
SYNC_RUN_STATE_SUCCEEDED: SyncRunState
SYNC_RUN_STATE_FAILED: SyncRunState
SYNC_RUN_STATE_SKIPPED: SyncRunState

class SyncRepositoryRequest(_message.Message):
    __slots__ = ("repository",)
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    repository: str
    def __init__(self, repository: _Optional[str] = ...) -> None: ...

class SyncRepositoryResponse(_message.Message):
    __slots__ = ("sync_id",)
    SYNC_ID_FIELD_NUMBER: _ClassVar[int]
    sync_id: str
    def __init__(self, sync_id: _Optional[str] = ...) -> None: ...

class GetSyncStatusRequest(_message.Message):
    __slots__ = ("repository",)
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    repository: str
    def __init__(self, repository: _Optional[str] = ...) -> None: ...

class GetSyncStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: SyncStatus
    def __init__(self, status: _Optional[_Union[SyncStatus, _Mapping]] = ...) -> None: ...

class ListSyncStatusesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSyncStatusesResponse(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[SyncStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[SyncStatus, _Mapping]]] = ...) -> None: ...

class SyncStatus(_message.Message):
    __slots__ = ("repository", "url", "branch", "last_synced_commit", "last_sync_time", "file_errors", "recent_runs")
    REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNCED_COMMIT_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    FILE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    RECENT_RUNS_FIELD_NUMBER: _ClassVar[int]
    repository: str
    url: str
    branch: str
    last_synced_commit: str
    last_sync_time: _timestamp_pb2.Timestamp
    file_errors: _containers.RepeatedCompositeFieldContainer[SyncFileError]
    recent_runs: _containers.RepeatedCompositeFieldContainer[SyncRun]
    def __init__(self, repository: _Optional[str] = ..., url: _Optional[str] = ..., branch: _Optional[str] = ..., last_synced_commit: _Optional[str] = ..., last_sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_errors: _Optional[_Iterable[_Union[SyncFileError, _Mapping]]] = ..., recent_runs: _Optional[_Iterable[_Union[SyncRun, _Mapping]]] = ...) -> None: ...

class SyncFileError(_message.Message):
    __slots__ = ("path", "line", "message", "commit")
    PATH_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    path: str
    line: int
    message: str
    commit: str
    def __init__(self, path: _Optional[str] = ..., line: _Optional[int] = ..., message: _Optional[str] = ..., commit: _Optional[str] = ...) -> None: ...

class SyncRun(_message.Message):
    __slots__ = ("sync_id", "trigger", "state", "start_time", "end_time", "commit", "full_scan", "files_created", "files_unchanged", "files_failed", "files_removed", "message")
    SYNC_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    FULL_SCAN_FIELD_NUMBER: _ClassVar[int]
    FILES_CREATED_FIELD_NUMBER: _ClassVar[int]
    FILES_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    FILES_FAILED_FIELD_NUMBER: _ClassVar[int]
    FILES_REMOVED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    sync_id: str
    trigger: SyncTrigger
    state: SyncRunState
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    commit: str
    full_scan: bool
    files_created: int
    files_unchanged: int
    files_failed: int
    files_removed: int
    message: str
    def __init__(self, sync_id: _Optional[str] = ..., trigger: _Optional[_Union[SyncTrigger, str]] = ..., state: _Optional[_Union[SyncRunState, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., commit: _Optional[str] = ..., full_scan: _Optional[bool] = ..., files_created: _Optional[int] = ..., files_unchanged: _Optional[int] = ..., files_failed: _Optional[int] = ..., files_removed: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...
