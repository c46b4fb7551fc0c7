"""When to ask the service about a task next.

The SDK's ``wait()`` polls every 1-5 s from the moment of submit, so a 3-minute task costs ~40 queries, most
answered "still running". This library's history tells how long a model usually takes (the spread of its
last finished tasks), so we ask once early (to catch tasks that fail at once: a rejected input, moderation),
then sparsely until the fastest usual finish, then as often as the SDK does while tasks of this kind
usually finish (the same notice latency), then back off. Never faster than ``floor`` per task.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    prior_seconds: float = 90.0  # a usual task time before this library has any history
    first_poll: float = 4.0  # catches tasks that fail at once
    floor: float = 1.0  # never poll one task more often than this
    cap: float = 15.0  # the docs suggest about 15 s between queries while nothing is expected
    notice_step: float = 5.0  # interval while a finish is likely: the SDK's settled interval
    spread_margin: float = 0.1  # widen the usual finish window by this fraction on each side
    min_history: int = 3  # finished tasks needed before trusting their spread

    def scaled(self, factor: float) -> PollPolicy:
        """The same schedule for a service whose clock runs ``factor`` times as long (the simulator)."""
        return PollPolicy(
            prior_seconds=self.prior_seconds * factor,
            first_poll=self.first_poll * factor,
            floor=self.floor * factor,
            cap=self.cap * factor,
            notice_step=self.notice_step * factor,
            spread_margin=self.spread_margin,
            min_history=self.min_history,
        )


@dataclass(frozen=True)
class FinishWindow:
    """When tasks of one kind usually finish, in seconds after submit."""

    earliest: float
    latest: float | None  # None: unknown, keep the notice interval indefinitely


def finish_window(history: Sequence[float], policy: PollPolicy) -> FinishWindow:
    if len(history) < policy.min_history:
        return FinishWindow(0.5 * policy.prior_seconds, None)
    ordered = sorted(history)
    if len(ordered) >= 10:
        low, high = statistics.quantiles(ordered, n=10)[0], statistics.quantiles(ordered, n=10)[-1]
    else:
        low, high = ordered[0], ordered[-1]
    return FinishWindow(low * (1 - policy.spread_margin), high * (1 + policy.spread_margin))


def next_poll_delay(elapsed: float, history: Sequence[float], policy: PollPolicy) -> float:
    """Seconds from now until the next query of a task submitted ``elapsed`` seconds ago, given the service
    times (``history``) of recent tasks of the same model and resolution."""
    window = finish_window(history, policy)
    if elapsed < policy.first_poll:
        return _clamp(policy.first_poll - elapsed, policy)
    if elapsed < window.earliest:
        return _clamp(window.earliest - elapsed, policy)
    if window.latest is None or elapsed < window.latest:
        return _clamp(policy.notice_step, policy)
    # later than usual: back off gently, up to the cap
    overdue = (elapsed - window.latest) / max(window.latest, policy.floor)
    return _clamp(policy.notice_step * (1 + overdue * 4), policy)


def _clamp(delay: float, policy: PollPolicy) -> float:
    return min(max(delay, policy.floor), policy.cap)
