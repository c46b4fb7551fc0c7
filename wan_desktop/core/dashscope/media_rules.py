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

from wan_desktop.core.i18n import _, format_number, format_seconds_value
from wan_desktop.core.phrases import either

from .specs import ModelSpec

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
    """What a person calls an input of this role ("reference image"), or several of them; the role's own
    name for a role the app has no words for."""
    if number == 1:
        return role_word(role)
    return {
        "first_frame": _("first-frame images"),
        "last_frame": _("last-frame images"),
        "first_clip": _("video clips to continue"),
        "driving_audio": _("driving audio files"),
        "audio_url": _("audio files"),
        "reference_image": _("reference images"),
        "reference_video": _("reference clips"),
        "reference_audio": _("reference audio files"),
        "video": _("videos to edit"),
    }.get(role, role)


def role_word(role: str) -> str:
    """One input of ``role`` (a catalog role name) as a noun: "reference image", "video clip to continue"."""
    return {
        "first_frame": _("first-frame image"),
        "last_frame": _("last-frame image"),
        "first_clip": _("video clip to continue"),
        "driving_audio": _("driving audio"),
        "audio_url": _("audio"),
        "reference_image": _("reference image"),
        "reference_video": _("reference clip"),
        "reference_audio": _("reference audio"),
        "video": _("video to edit"),
    }.get(role, role)


def chip_name(role: str, number: int) -> str | None:
    """The name the prompt calls the ``number``-th reference of ``role`` by (contract 12.1.3: "Image 2",
    "Video 1"; the Chinese pages write "图2", "视频1"); None for a role the prompt does not name."""
    shown = format_number(number)
    if role == "reference_image":
        return _("Image {n}").format(n=shown)
    if role == "reference_video":
        return _("Video {n}").format(n=shown)
    if role == "reference_audio":
        return _("Audio {n}").format(n=shown)
    return None


def _listing(roles) -> str:
    return either(words(r) for r in roles)


def _seconds(value: float) -> str:
    return format_seconds_value(value)


def _tenths(value: float) -> str:
    return format_number(value, 1)


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
        sentence = _("{model} needs a prompt describing the video.").format(model=spec.label)
        breaks.append(RuleBreak("prompt_required", "prompt", sentence))
    return breaks


def _count_breaks(spec: ModelSpec, counts: Counter) -> list[RuleBreak]:
    breaks = []
    for role, number in counts.items():
        if role not in spec.roles:
            sentence = _("{model} takes no {role}.").format(model=spec.label, role=words(role))
            breaks.append(RuleBreak("unknown_role", role, sentence))
        elif number > spec.roles[role].max_count:
            most = spec.roles[role].max_count
            sentence = _("{model} takes at most {n} {roles}; {given} given.").format(
                model=spec.label, n=format_number(most), roles=words(role, most), given=format_number(number)
            )
            breaks.append(RuleBreak("too_many", role, sentence))
    for role, role_spec in spec.roles.items():
        if counts[role] < role_spec.min_count:
            sentence = _("{model} needs a {role}.").format(model=spec.label, role=words(role))
            breaks.append(RuleBreak("too_few", role, sentence))
    return breaks


def _combination_breaks(spec: ModelSpec, counts: Counter) -> list[RuleBreak]:
    breaks = []
    rules = spec.rules
    if rules.one_of and not any(counts[r] for r in rules.one_of):
        sentence = _("{model} needs a {role}.").format(model=spec.label, role=_listing(rules.one_of))
        breaks.append(RuleBreak("needs_one_of", rules.one_of[0], sentence))
    for side_a, side_b in rules.exclusive:
        given_a = [r for r in side_a if counts[r]]
        given_b = [r for r in side_b if counts[r]]
        if given_a and given_b:
            sentence = _("{model} does not mix a {first} with a {second}: use frames or references, not both.").format(
                model=spec.label, first=_listing(given_a), second=_listing(given_b)
            )
            breaks.append(RuleBreak(MODES_EXCLUSIVE, given_b[0], sentence))
    for role, needed in rules.requires.items():
        if counts[role] and not any(counts[r] for r in needed):
            sentence = _("A {role} needs a {needed} beside it.").format(role=words(role), needed=_listing(needed))
            breaks.append(RuleBreak("requires", role, sentence))
    for roles, most in rules.max_total:
        total = sum(counts[r] for r in roles)
        if total > most:
            sentence = _("{model} takes at most {n} {roles}s together; {given} given.").format(
                model=spec.label, n=format_number(most), roles=_listing(sorted(roles)), given=format_number(total)
            )
            breaks.append(RuleBreak("max_total", sorted(roles)[0], sentence))
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
            sentence = _("Each {role} must last {low} to {high} s; this one lasts {seconds} s.").format(
                role=words(item.role), low=_seconds(bounds[0]), high=_seconds(bounds[1]), seconds=_tenths(item.seconds)
            )
            breaks.append(RuleBreak("item_seconds", item.role, sentence))
    for role, limit in spec.rules.total_seconds.items():
        total = sum(item.seconds or 0.0 for item in items if item.role == role)
        if total > limit + 0.05:  # container lengths are rounded
            sentence = _("The {roles} last {seconds} s together; {model} takes at most {limit} s in all.").format(
                roles=words(role, 2), seconds=_tenths(total), model=spec.label, limit=_seconds(limit)
            )
            breaks.append(RuleBreak("total_seconds", role, sentence))
    for item in items:
        if item.voice and (item.role not in spec.roles or not spec.roles[item.role].voice):
            sentence = _("A {role} of {model} cannot carry a voice.").format(role=words(item.role), model=spec.label)
            breaks.append(RuleBreak("voice", item.role, sentence))
    chosen = duration if duration is not None and duration > 0 else None
    for role, cap in spec.rules.duration_max_with.items():
        if chosen is not None and chosen > cap and any(item.role == role for item in items):
            sentence = _("With a {role}, {model} makes at most {n} seconds.").format(
                role=words(role), model=spec.label, n=format_number(cap)
            )
            breaks.append(RuleBreak("duration_with", role, sentence))
    most = spec.rules.input_plus_output_max
    if most is not None and chosen is not None:
        inputs = sum(item.seconds or 0.0 for item in items if item.role == "reference_video")
        if inputs + chosen > most + 0.05:
            sentence = _(
                "{model} counts the reference clips ({inputs} s) in the video's length: {chosen} s more would "
                "make {total} s, over its {most} s."
            ).format(
                model=spec.label,
                inputs=_tenths(inputs),
                chosen=format_number(chosen),
                total=_tenths(inputs + chosen),
                most=format_number(most),
            )
            breaks.append(RuleBreak("input_plus_output", "reference_video", sentence))
    return breaks
