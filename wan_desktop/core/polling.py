"""When to ask the service about a task next.

The SDK's ``wait()`` polls every 1-5 s from the start, which for a 2-minute task is ~30 requests. Most of
those answers are "still running". We know roughly how long a model takes (learned from this library's
history), so we ask once early (to catch quick failures such as a rejected input), then sparsely until the
expected finish, then often around it, then back off. Never faster than ``floor`` seconds per task.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    prior_seconds: float = 90.0  # expected task time before this library has any history
    first_poll: float = 4.0  # catches tasks that fail at once (bad input, moderation)
    floor: float = 1.0  # never poll one task more often than this
    cap: float = 15.0  # the docs suggest about 15 s between queries
    near_fraction: float = 0.04  # interval around the expected finish, as a fraction of it
    late_fraction: float = 0.10  # interval once well past the expected finish

    def scaled(self, factor: float) -> "PollPolicy":
        """The same shape for a service whose clock runs ``factor`` times as fast (the simulator)."""
        return PollPolicy(
            prior_seconds=self.prior_seconds * factor,
            first_poll=self.first_poll * factor,
            floor=self.floor * factor,
            cap=self.cap * factor,
            near_fraction=self.near_fraction,
            late_fraction=self.late_fraction,
        )


def next_poll_delay(elapsed: float, expected: float | None, policy: PollPolicy) -> float:
    """Seconds from now until the next query, given seconds ``elapsed`` since submit and the ``expected``
    total time of such a task (None: no history yet)."""
    expected = max(expected or policy.prior_seconds, policy.floor)
    checkpoints = (policy.first_poll, 0.5 * expected, 0.8 * expected)
    for checkpoint in checkpoints:
        if elapsed < checkpoint - 1e-9:
            return _clamp(checkpoint - elapsed, policy)
    if elapsed < 1.5 * expected:
        return _clamp(policy.near_fraction * expected, policy)
    return _clamp(policy.late_fraction * expected, policy)


def _clamp(delay: float, policy: PollPolicy) -> float:
    return min(max(delay, policy.floor), policy.cap)
