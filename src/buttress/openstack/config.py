"""Instance-HA configuration: which instances to evacuate, where, how fast, how often.

Every class is a frozen dataclass with defaults that suit a production cloud. The keys of
:meth:`EvacuationConfig.from_params` are the resource/device parameters documented in
``docs/instance-ha.md`` (strings, as they appear in a CIB ``<nvpair>``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from buttress.openstack.errors import ConfigError

TRUE_WORDS = frozenset({"true", "1", "yes", "on", "y", "t"})


def is_true(value: object) -> bool:
    """Whether a Nova/Glance metadata value means yes (as oslo's bool_from_string)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS


class Selection(enum.Enum):
    """Which instances of a failed host are evacuated.

    ALL: every instance. TAGGED: only those whose flavor extra spec or image property
    ``tag_key`` is true, or whose image carries the tag ``tag_key`` (NovaEvacuate).
    HA_ENABLED: only those whose server metadata ``ha_enabled_key`` is true (Masakari).
    """

    ALL = "all"
    TAGGED = "tagged"
    HA_ENABLED = "ha_enabled"


class RecoveryMethod(enum.Enum):
    """Where evacuated instances go (Masakari's recovery methods).

    AUTO: the Nova scheduler chooses. RESERVED_HOST: the reserved hosts, in order.
    AUTO_PRIORITY: the scheduler first, the reserved hosts after a failed attempt.
    RH_PRIORITY: the reserved hosts first, then the scheduler.
    """

    AUTO = "auto"
    RESERVED_HOST = "reserved_host"
    AUTO_PRIORITY = "auto_priority"
    RH_PRIORITY = "rh_priority"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for Nova calls that fail in a retryable way.

    ``attempts`` counts calls (1 = no retry); the delay before attempt n+1 is
    ``min(max_delay_s, initial_delay_s * multiplier ** (n - 1))``.
    """

    attempts: int = 6
    initial_delay_s: float = 1.0
    max_delay_s: float = 30.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError("retry attempts must be at least 1")
        if self.initial_delay_s < 0 or self.max_delay_s < 0 or self.multiplier < 1:
            raise ConfigError("retry delays must be >= 0 and the multiplier >= 1")

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay_s,
                         self.initial_delay_s * self.multiplier ** max(0, attempt - 1)))


@dataclass(frozen=True)
class EvacuationPolicy:
    """Which instances are evacuated and which are left alone."""

    selection: Selection = Selection.ALL
    tag_key: str = "evacuable"
    ha_enabled_key: str = "HA_Enabled"
    ignore_error_instances: bool = False


@dataclass(frozen=True)
class EvacuationConfig:
    """Everything the engine needs besides credentials.

    ``max_parallel`` bounds concurrent evacuations (and the Nova thread pool);
    ``max_failed_hosts`` refuses evacuation when more hosts than this were fenced within
    ``failure_window_s`` and are not restored (None = no limit); ``evacuation_attempts``
    bounds the evacuate requests per instance (each may go to another target);
    ``instance_timeout_s`` bounds the wait for an evacuated instance to settle;
    ``resume_grace_s`` is how long an evacuate request sent by a controller that died may
    still be processed by Nova: a resumed engine re-sends only after it (Nova itself does
    not refuse a second evacuation while the first is running). ``keep_running``: a
    running instance is evacuated at microversion 2.94, so Nova rebuilds it running (one
    step, no stop and start); otherwise every instance lands SHUTOFF (2.95) and the
    engine starts those that ran. Either way the engine checks and restores the original
    power state after landing.
    """

    policy: EvacuationPolicy = field(default_factory=EvacuationPolicy)
    recovery_method: RecoveryMethod = RecoveryMethod.AUTO
    reserved_hosts: tuple[str, ...] = ()
    max_parallel: int = 4
    max_failed_hosts: int | None = 2
    failure_window_s: float = 600.0
    evacuation_attempts: int = 3
    instance_timeout_s: float = 600.0
    poll_interval_s: float = 1.0
    resume_grace_s: float = 30.0
    keep_running: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    disabled_reason_prefix: str = "buttress instance-ha"

    def __post_init__(self) -> None:
        if self.max_parallel < 1:
            raise ConfigError("max_parallel must be at least 1")
        if self.max_failed_hosts is not None and self.max_failed_hosts < 1:
            raise ConfigError("max_failed_hosts must be at least 1 (or unset)")
        if self.evacuation_attempts < 1:
            raise ConfigError("evacuation_attempts must be at least 1")
        if self.poll_interval_s <= 0 or self.instance_timeout_s <= 0:
            raise ConfigError("poll_interval_s and instance_timeout_s must be positive")
        needs_reserved = self.recovery_method is not RecoveryMethod.AUTO
        if needs_reserved and not self.reserved_hosts:
            raise ConfigError(
                f"recovery_method {self.recovery_method.value} needs reserved_hosts")

    def targets(self) -> tuple[str | None, ...]:
        """Evacuation targets in the order attempts use them; None = the scheduler."""
        reserved: tuple[str | None, ...] = tuple(self.reserved_hosts)
        if self.recovery_method is RecoveryMethod.AUTO:
            return (None,)
        if self.recovery_method is RecoveryMethod.RESERVED_HOST:
            return reserved
        if self.recovery_method is RecoveryMethod.AUTO_PRIORITY:
            return (None, *reserved)
        return (*reserved, None)

    @staticmethod
    def param_names() -> tuple[str, ...]:
        """The keys :meth:`from_params` accepts."""
        return ("evacuate", "tag_key", "ha_enabled_key", "ignore_error_instances",
                "recovery_method", "reserved_hosts", "max_parallel", "max_failed_hosts",
                "failure_window", "evacuation_attempts", "instance_timeout",
                "poll_interval", "resume_grace", "keep_running", "retry_attempts",
                "retry_initial_delay", "retry_max_delay")

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> EvacuationConfig:
        """Build from string parameters (CIB nvpairs). Unknown keys raise ConfigError.

        Keys: evacuate (all|tagged|ha_enabled), tag_key, ha_enabled_key,
        ignore_error_instances, recovery_method, reserved_hosts (comma separated),
        max_parallel, max_failed_hosts (0 or "none" = no limit), failure_window,
        evacuation_attempts, instance_timeout, poll_interval, resume_grace, keep_running,
        retry_attempts, retry_initial_delay, retry_max_delay.
        """
        unknown = sorted(set(params) - set(cls.param_names()))
        if unknown:
            raise ConfigError(f"unknown instance-ha parameter(s): {', '.join(unknown)}")
        try:
            base = cls()
            policy = EvacuationPolicy(
                selection=Selection(params.get("evacuate", base.policy.selection.value)),
                tag_key=params.get("tag_key", base.policy.tag_key),
                ha_enabled_key=params.get("ha_enabled_key", base.policy.ha_enabled_key),
                ignore_error_instances=is_true(params.get("ignore_error_instances", "false")))
            retry = RetryPolicy(
                attempts=int(params.get("retry_attempts", base.retry.attempts)),
                initial_delay_s=float(params.get("retry_initial_delay",
                                                 base.retry.initial_delay_s)),
                max_delay_s=float(params.get("retry_max_delay", base.retry.max_delay_s)))
            limit = params.get("max_failed_hosts")
            max_failed: int | None = base.max_failed_hosts
            if limit is not None:
                max_failed = None if limit.strip().lower() in ("0", "none", "") else int(limit)
            return cls(
                policy=policy,
                recovery_method=RecoveryMethod(
                    params.get("recovery_method", base.recovery_method.value)),
                reserved_hosts=tuple(h.strip() for h in params.get("reserved_hosts", "")
                                     .split(",") if h.strip()),
                max_parallel=int(params.get("max_parallel", base.max_parallel)),
                max_failed_hosts=max_failed,
                failure_window_s=float(params.get("failure_window", base.failure_window_s)),
                evacuation_attempts=int(params.get("evacuation_attempts",
                                                   base.evacuation_attempts)),
                instance_timeout_s=float(params.get("instance_timeout",
                                                    base.instance_timeout_s)),
                poll_interval_s=float(params.get("poll_interval", base.poll_interval_s)),
                resume_grace_s=float(params.get("resume_grace", base.resume_grace_s)),
                keep_running=is_true(params.get("keep_running", "true")),
                retry=retry)
        except ValueError as exc:
            raise ConfigError(f"invalid instance-ha parameter: {exc}") from exc

