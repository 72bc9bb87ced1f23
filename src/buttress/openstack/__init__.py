"""Instance HA for OpenStack: fence -> isolate in Nova -> evacuate -> restore.

Public API (everything else is private)::

    from buttress.openstack import (EvacuationEngine, FenceEvent, EvacuationConfig,
                                    NovaCredentials, SdkNova, FileJournal)

    engine = EvacuationEngine(SdkNova(NovaCredentials(cloud="overcloud")),
                              FileJournal("/var/lib/buttress/instance-ha"),
                              EvacuationConfig.from_params({"evacuate": "tagged"}),
                              events=print)
    report = await engine.recover(FenceEvent("compute-1", fenced_at=time.time()))
    ...
    await engine.restore("compute-1")
"""

from buttress.openstack.config import (
    EvacuationConfig,
    EvacuationPolicy,
    RecoveryMethod,
    RetryPolicy,
    Selection,
)
from buttress.openstack.credentials import NovaCredentials
from buttress.openstack.engine import EvacuationEngine, FenceEvent
from buttress.openstack.errors import (
    ConfigError,
    JournalConflict,
    JournalError,
    NovaAuthError,
    NovaError,
    NovaNotFound,
    NovaRefused,
    NovaUnavailable,
    OpenStackError,
    RecoveryInProgress,
)
from buttress.openstack.events import Event, EventLog, EventSink
from buttress.openstack.journal import FileJournal, InMemoryJournal, Journal, JournalEntry
from buttress.openstack.nova import ComputeService, Migration, NovaClient, SdkNova, Server
from buttress.openstack.records import (
    HostPhase,
    HostRecord,
    InstancePhase,
    InstanceRecord,
    RecoveryReport,
)

__all__ = [
    "ComputeService",
    "ConfigError",
    "EvacuationConfig",
    "EvacuationEngine",
    "EvacuationPolicy",
    "Event",
    "EventLog",
    "EventSink",
    "FenceEvent",
    "FileJournal",
    "HostPhase",
    "HostRecord",
    "InMemoryJournal",
    "InstancePhase",
    "InstanceRecord",
    "Journal",
    "JournalConflict",
    "JournalEntry",
    "JournalError",
    "Migration",
    "NovaAuthError",
    "NovaClient",
    "NovaCredentials",
    "NovaError",
    "NovaNotFound",
    "NovaRefused",
    "NovaUnavailable",
    "OpenStackError",
    "RecoveryInProgress",
    "RecoveryMethod",
    "RecoveryReport",
    "RetryPolicy",
    "SdkNova",
    "Selection",
    "Server",
]
