"""What a finished job cost: one ledger entry per attempt, from what the service billed (``Job.usage``).

The service bills seconds of video it made (and, for some models, seconds of input video). A job that failed,
was canceled before it ran, or ran in demo mode costs nothing, and its entry says why. The price is the one
of the day the job was sent (core/pricing.py), so an entry rebuilt later from a sidecar is the same entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.catalog import REGIONS, Region
from wan_desktop.core.dashscope.replies import parse_usage
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import N_, _
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.pricing import Price, PriceTable

SMART_DURATION = -1  # `duration: -1` lets the model choose the length (Wan 3.0)

# Why an entry cost nothing, in English; an entry's ``reason`` is written in the person's language
# (reason_words), like a job's error.
FREE_FAILED = N_("failed: the service bills only videos it made")
FREE_CANCELED = N_("canceled before it ran")
FREE_DEMO = N_("demo mode: the simulator made it, nothing was charged")
FREE_NOT_MADE = N_("the service did not make a video")


@dataclass(frozen=True)
class LedgerEntry:
    job_id: str
    task_id: str  # '' when no task was made
    day: str  # the billing day, ISO, in the person's time zone
    state: str
    model: str  # catalog key
    region: str
    resolution: str
    currency: str
    price_date: str | None  # valid_from of the price row that applied
    per_second: float | None
    input_per_second: float | None
    output_seconds: float
    input_seconds: float
    amount: float | None  # what was charged; None: charged, but the price table had no price
    counted: float  # what budgets count
    charged: bool
    reason: str
    project: str | None = None

    @property
    def month(self) -> str:
        return self.day[:7]


def billing_day(moment: datetime, zone: tzinfo | None) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date() if zone is not None else aware.astimezone().date()


def sent_at(job: Job) -> datetime:
    return job.submit_started_at or job.submitted_at or job.created_at


def resolution_of(request: GenerationRequest) -> str:
    spec = catalog.find_model(request.model)
    return request.resolution or (spec.default_resolution if spec else "")


def audio_of(job: Job) -> bool | None:
    usage = parse_usage(job.usage)
    if usage is not None and usage.audio is not None:
        return usage.audio
    return job.request.audio_enabled


def model_key(model: str) -> str:
    spec = catalog.find_model(model)
    return spec.key if spec else model


def pricing_region(region: str, demo: bool) -> Region | None:
    """The region whose prices apply. The simulator answers at a custom address; in demo mode it is priced as
    the international (USD) list so budgets can be tried; a real custom address has no price."""
    try:
        value = Region(region)
    except ValueError:
        return None
    return Region.SINGAPORE if demo and value is Region.CUSTOM else value


def entry_for(job: Job, table: PriceTable, *, demo: bool, zone: tzinfo | None, day: date | None = None) -> LedgerEntry:
    """The entry of ``job`` in a final state. ``day``: the billing day the budget counted it on, if any."""
    region = pricing_region(job.region, demo)
    when = sent_at(job)
    billing = day or billing_day(when, zone)
    resolution = resolution_of(job.request)
    price = table.price_on(job.request.model, region, resolution, audio_of(job), billing) if region else None
    output, input_seconds = billed_seconds(job)
    would_cost = price.amount(output, input_seconds) if price else None
    reason = _free_reason(job, demo)
    charged = reason is None
    counts = charged or reason == FREE_DEMO
    if reason is not None:
        words = reason_words(reason)
    elif price:
        words = _("charged")
    else:
        words = _("charged, but no price is known for {model} here").format(model=model_key(job.request.model))
    currency = REGIONS[region].currency.value if region else REGIONS[Region.CUSTOM].currency.value
    return LedgerEntry(
        job_id=job.id,
        task_id=job.task_id or "",
        day=billing.isoformat(),
        state=job.state.value,
        model=model_key(job.request.model),
        region=job.region,
        resolution=resolution,
        currency=price.currency.value if price else currency,
        price_date=price.valid_from.isoformat() if price else None,
        per_second=price.per_second if price else None,
        input_per_second=price.input_per_second if price else None,
        output_seconds=output if counts else 0.0,
        input_seconds=input_seconds if counts else 0.0,
        amount=would_cost if charged else 0.0,
        counted=(would_cost or 0.0) if counts else 0.0,
        charged=charged,
        reason=words,
        project=job.project,
    )


def reason_words(reason: str) -> str:
    """One of the FREE_* reasons in the person's language."""
    words = {
        FREE_FAILED: _("failed: the service bills only videos it made"),
        FREE_CANCELED: _("canceled before it ran"),
        FREE_DEMO: _("demo mode: the simulator made it, nothing was charged"),
        FREE_NOT_MADE: _("the service did not make a video"),
    }
    return words.get(reason, reason)


def _free_reason(job: Job, demo: bool) -> str | None:
    """Why ``job`` cost nothing, or None when the service charged for it."""
    made = job.state is JobState.DONE or bool(job.video_url) or _usage_seconds(job) is not None
    if demo and made:
        return FREE_DEMO
    if job.state is JobState.FAILED:
        return FREE_FAILED
    if job.state is JobState.CANCELED:
        return FREE_CANCELED
    return None if made else FREE_NOT_MADE


def _usage_seconds(job: Job) -> float | None:
    usage = parse_usage(job.usage)
    return usage.output_seconds if usage is not None and usage.output_seconds else None


def billed_seconds(job: Job) -> tuple[float, float]:
    """Output and input seconds from ``usage``; the asked length (the longest, for smart duration) without it."""
    usage = parse_usage(job.usage)
    output = usage.output_seconds if usage is not None and usage.output_seconds else None
    input_seconds = usage.input_video_seconds if usage is not None and usage.input_video_seconds else 0.0
    return (output if output is not None else float(longest_seconds(job.request, job.region))), input_seconds


def longest_seconds(request: GenerationRequest, region: str) -> int:
    """The longest the video of ``request`` can be: its duration, or the model's longest for smart duration."""
    spec = catalog.find_model(request.model)
    if request.duration is not None and request.duration > 0:
        return request.duration
    if spec is None:
        return 0
    if request.duration is None:
        return spec.default_duration
    try:
        durations = spec.allowed_durations(Region(region))
    except ValueError:
        durations = spec.durations
    return max(durations or (spec.default_duration,))


def estimate_for_budget(job: Job, table: PriceTable, region: Region | None, day: date) -> tuple[float, Price] | None:
    """The most ``job`` can cost if sent on ``day``: its longest length, and for a model that bills input
    video, the rest of the model's longest length as input. None when there is no price."""
    if region is None:
        return None
    price = table.price_on(job.request.model, region, resolution_of(job.request), job.request.audio_enabled, day)
    if price is None:
        return None
    output = longest_seconds(job.request, region.value)
    input_bound = 0.0
    if price.bills_input and job.request.first_clip:
        spec = catalog.find_model(job.request.model)
        input_bound = float(max(spec.durations)) if spec and spec.durations else 0.0
    return price.amount(output, input_bound), price
