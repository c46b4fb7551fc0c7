"""The engine's settings, the states it works on, and small rules shared by its modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from wan_desktop.core.dashscope import catalog
from wan_desktop.core.events import EngineEvent
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import DECISION_CODES, Job, JobState
from wan_desktop.core.polling import PollPolicy
from wan_desktop.core.pricing import PriceTable

# Error codes the engine sets on submit_uncertain jobs once it stops searching: the person decides.
AWAITING_DECISION_CODES = DECISION_CODES
ACTIVE_STATES = frozenset(
    {
        JobState.QUEUED,
        JobState.SUBMITTING,
        JobState.PENDING,
        JobState.RUNNING,
        JobState.SUCCEEDED,
        JobState.DOWNLOADING,
        JobState.SUBMIT_UNCERTAIN,
        JobState.HELD_BY_BUDGET,
    }
)
OCCUPYING_STATES = frozenset({JobState.SUBMITTING, JobState.PENDING, JobState.RUNNING, JobState.SUBMIT_UNCERTAIN})
DAMAGED_LIMIT = 3
PROGRESS_INTERVAL = 0.2

Listener = Callable[[EngineEvent], None]


@dataclass(frozen=True)
class EngineConfig:
    region: catalog.Region
    poll: PollPolicy = PollPolicy()
    task_ttl: float = 24 * 3600.0  # how long the service keeps a task and its video link
    max_concurrent: int | None = None  # the person's own cap on tasks on the service, over the model caps
    max_downloads: int = 2
    reconcile_delays: tuple[float, ...] = (1.0, 5.0, 20.0)  # waits before each task-list search
    reconcile_margin: float = 120.0  # clock skew tolerated between this machine and the service
    clock_slack: float = 10.0  # jitter allowed around the clock offset learned from our own tasks
    # After every search over the create's window came back empty, the create never arrived: queue it again.
    # False leaves such a job for the person instead.
    requeue_when_absent: bool = True
    # Automatic re-sends of one job after such empty searches; past this the person decides (a service
    # whose create replies cannot be read may be creating tasks its list does not show).
    max_auto_resends: int = 2
    # Queries of a finished task for a video link it did not give, or for one the downloader refused.
    max_link_queries: int = 3
    query_per_second: float = 10.0  # the service allows 20 per account; leave room for other tools
    retry_base: float = 2.0
    max_retry_after: float = 600.0  # longest pause taken from a service's Retry-After
    retry_cap: float = 60.0
    idle_wait: float = 1.0  # longest sleep of the loop when nothing is due
    store_retry: float = 15.0  # after the database could not be written (full or read-only disk)
    disk_retry: float = 30.0  # after the library folder could not be written
    demo: bool = False  # the simulator: the ledger records nothing charged (budgets still count, to try them)
    money_zone: tzinfo | None = None  # the time zone of billing days (None: this machine's)
    budget_recheck: float = 5.0  # how often a job held by budget is checked against the caps again
    prices: PriceTable | None = None  # None: the shipped price table (core/pricing.py)

    @classmethod
    def for_service_clock(cls, region: catalog.Region, time_scale: float = 1.0, **changes) -> EngineConfig:
        """A config for a service whose clock runs ``time_scale`` times as long as ours (the simulator runs
        at 0.01): every wait shrinks by that factor. Rate limits stay per real second, as the service's
        (and the simulator's) are."""
        base = cls(region=region)
        scaled = dict(
            poll=base.poll.scaled(time_scale),
            task_ttl=base.task_ttl * time_scale,
            reconcile_delays=tuple(delay * time_scale for delay in base.reconcile_delays),
            reconcile_margin=base.reconcile_margin,  # clock skew is real time, whatever the service's pace
            retry_base=base.retry_base * time_scale,
            retry_cap=base.retry_cap * time_scale,
        )
        scaled.update(changes)
        return replace(base, **scaled)


def kind(job: Job) -> tuple[str, str]:
    """Model and effective resolution: tasks of one kind take similar times."""
    spec = catalog.find_model(job.request.model)
    return job.request.model, job.request.resolution or (spec.default_resolution if spec else "")


def add_id(ids: tuple[str, ...], request_id: str | None) -> tuple[str, ...]:
    return (*ids, request_id) if request_id and request_id not in ids else ids


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def unknown_model_sentence(model: str) -> str:
    return _(
        "This job asks for the model {model!r}, which this version of Wan Desktop does not know, so it was "
        "not sent and nothing was charged. Make it again with a model from the list."
    ).format(model=model)
