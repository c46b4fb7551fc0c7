"""The one check of a model's media against its catalog rules: counts per role, the groups that exclude
each other, what a role needs beside it, totals, and clip lengths against their limits.

The composer (on drop), the request validator (before sending), the CLI and the simulator (as the service)
all ask ``check_media``; each RuleBreak carries a rule name the simulator maps to the service's own error,
and a sentence for a person. tests/media_cases.py holds the table of cases both sides are tested with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .specs import ModelSpec

ROLE_WORDS = {
    "first_frame": "first-frame image",
    "last_frame": "last-frame image",
    "first_clip": "video clip to continue",
    "driving_audio": "driving audio",
    "audio_url": "audio",
    "reference_image": "reference image",
    "reference_video": "reference clip",
    "reference_audio": "reference audio",
    "video": "video to edit",
}
_PLURAL = {
    "reference_audio": "reference audio files",
    "driving_audio": "driving audio files",
    "audio_url": "audio files",
}
# The roles the prompt can name, and the words it names them with (contract 12.1.3: "Image 1", "Video 1").
CHIP_WORDS = {"reference_image": "Image", "reference_video": "Video", "reference_audio": "Audio"}
MODES_EXCLUSIVE = "modes_exclusive"  # the rule the service answers with a FAILED task (contract 12.1.10)


@dataclass(frozen=True)
class MediaItem:
    """One input as the rules see it: its role, its length where it has one, whether it carries a voice."""

    role: str
    seconds: float | None = None
    voice: bool = False


@dataclass(frozen=True)
class RuleBreak:
    rule: str  # unknown_role, too_many, too_few, needs_one_of, modes_exclusive, requires, max_total, ...
    role: str
    sentence: str


def words(role: str, number: int = 1) -> str:
    word = ROLE_WORDS.get(role, role)
    if number == 1:
        return word
    return _PLURAL.get(role, word + "s")


def _listing(roles) -> str:
    items = [words(r) for r in roles]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def check_media(
    spec: ModelSpec, items: Sequence[MediaItem], duration: int | None = None, prompt: str = ""
) -> list[RuleBreak]:
    """Everything wrong with this set of inputs for ``spec``; empty when the service would take it."""
    counts = Counter(item.role for item in items)
    breaks = _count_breaks(spec, counts)
    if breaks:
        return breaks
    breaks += _combination_breaks(spec, counts)
    breaks += _length_breaks(spec, items, duration)
    if spec.prompt_required and not prompt.strip():
        breaks.append(RuleBreak("prompt_required", "prompt", f"{spec.label} needs a prompt describing the video."))
    return breaks


def _count_breaks(spec: ModelSpec, counts: Counter) -> list[RuleBreak]:
    breaks = []
    for role, number in counts.items():
        if role not in spec.roles:
            breaks.append(RuleBreak("unknown_role", role, f"{spec.label} takes no {words(role)}."))
        elif number > spec.roles[role].max_count:
            most = spec.roles[role].max_count
            breaks.append(
                RuleBreak("too_many", role, f"{spec.label} takes at most {most} {words(role, most)}; {number} given.")
            )
    for role, role_spec in spec.roles.items():
        if counts[role] < role_spec.min_count:
            breaks.append(RuleBreak("too_few", role, f"{spec.label} needs a {words(role)}."))
    return breaks


def _combination_breaks(spec: ModelSpec, counts: Counter) -> list[RuleBreak]:
    breaks = []
    rules = spec.rules
    if rules.one_of and not any(counts[r] for r in rules.one_of):
        breaks.append(RuleBreak("needs_one_of", rules.one_of[0], f"{spec.label} needs a {_listing(rules.one_of)}."))
    for side_a, side_b in rules.exclusive:
        given_a = [r for r in side_a if counts[r]]
        given_b = [r for r in side_b if counts[r]]
        if given_a and given_b:
            breaks.append(
                RuleBreak(
                    MODES_EXCLUSIVE,
                    given_b[0],
                    f"{spec.label} does not mix a {_listing(given_a)} with a {_listing(given_b)}: "
                    "use frames or references, not both.",
                )
            )
    for role, needed in rules.requires.items():
        if counts[role] and not any(counts[r] for r in needed):
            breaks.append(RuleBreak("requires", role, f"A {words(role)} needs a {_listing(needed)} beside it."))
    for roles, most in rules.max_total:
        total = sum(counts[r] for r in roles)
        if total > most:
            breaks.append(
                RuleBreak(
                    "max_total",
                    sorted(roles)[0],
                    f"{spec.label} takes at most {most} {_listing(sorted(roles))}s together; {total} given.",
                )
            )
    return breaks


def _item_range(spec: ModelSpec, role: str) -> tuple[float, float] | None:
    limits = spec.video_limits if role in ("reference_video", "video", "first_clip") else None
    if role in ("reference_audio", "driving_audio", "audio_url"):
        limits = spec.audio_limits
    return (limits.min_seconds, limits.max_seconds) if limits is not None else None


def _length_breaks(spec: ModelSpec, items: Sequence[MediaItem], duration: int | None) -> list[RuleBreak]:
    breaks = []
    for item in items:
        bounds = _item_range(spec, item.role)
        if bounds is not None and item.seconds is not None and not bounds[0] - 0.05 <= item.seconds <= bounds[1] + 0.05:
            breaks.append(
                RuleBreak(
                    "item_seconds",
                    item.role,
                    f"Each {words(item.role)} must last {bounds[0]:g} to {bounds[1]:g} s; this one lasts "
                    f"{item.seconds:.1f} s.",
                )
            )
    for role, limit in spec.rules.total_seconds.items():
        total = sum(item.seconds or 0.0 for item in items if item.role == role)
        if total > limit + 0.05:  # container lengths are rounded
            breaks.append(
                RuleBreak(
                    "total_seconds",
                    role,
                    f"The {words(role, 2)} last {total:.1f} s together; {spec.label} takes at most {limit:g} s in all.",
                )
            )
    for item in items:
        if item.voice and (item.role not in spec.roles or not spec.roles[item.role].voice):
            breaks.append(RuleBreak("voice", item.role, f"A {words(item.role)} of {spec.label} cannot carry a voice."))
    chosen = duration if duration is not None and duration > 0 else None
    for role, cap in spec.rules.duration_max_with.items():
        if chosen is not None and chosen > cap and any(item.role == role for item in items):
            breaks.append(
                RuleBreak("duration_with", role, f"With a {words(role)}, {spec.label} makes at most {cap} seconds.")
            )
    most = spec.rules.input_plus_output_max
    if most is not None and chosen is not None:
        inputs = sum(item.seconds or 0.0 for item in items if item.role == "reference_video")
        if inputs + chosen > most + 0.05:
            breaks.append(
                RuleBreak(
                    "input_plus_output",
                    "reference_video",
                    f"{spec.label} counts the reference clips ({inputs:.1f} s) in the video's length: "
                    f"{chosen} s more would make {inputs + chosen:.1f} s, over its {most} s.",
                )
            )
    return breaks
