"""The composer's references, without Qt: which role a dropped file fills, whether the model takes it next to
what is already there (the one media checker, ``media_rules``), what a model switch sets aside, and the
"Image 1" words the prompt names references with.

``drop_refusal`` reads the file (its length and size), so the composer calls it off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wan_desktop.core.dashscope.media_rules import MediaItem, check_media, chip_name, words
from wan_desktop.core.dashscope.requests import media_items, reference_file_problems
from wan_desktop.core.dashscope.specs import ModelSpec
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.phrases import items
from wan_desktop.core.request_checks import image_refusals

TRAY_ROLES = ("reference_image", "reference_video", "reference_audio", "video")
_IMAGE_TYPES = {"jpg", "jpeg", "png", "bmp", "webp"}
_VIDEO_TYPES = {"mp4", "mov"}
_AUDIO_TYPES = {"wav", "mp3"}


def tray_roles(spec: ModelSpec) -> tuple[str, ...]:
    return tuple(role for role in TRAY_ROLES if spec.takes(role))


def role_for_file(spec: ModelSpec, reference: str) -> str | None:
    """The tray role a file fills for this model, from its type; None when the model takes no such file."""
    suffix = Path(reference.split("?")[0]).suffix.lower().lstrip(".")
    if suffix in _IMAGE_TYPES:
        wanted: tuple[str, ...] = ("reference_image",)
    elif suffix in _VIDEO_TYPES:
        wanted = ("video", "reference_video")
    elif suffix in _AUDIO_TYPES:
        wanted = ("reference_audio",)
    else:
        return None
    return next((role for role in wanted if spec.takes(role)), None)


def chip_words(references: Sequence[MediaRef]) -> list[tuple[MediaRef, str]]:
    """Each reference with the name the prompt calls it by, numbered per type in order ("Image 2")."""
    seen: dict[str, int] = {}
    named = []
    for ref in references:
        name = chip_name(ref.role, seen.get(ref.role, 0) + 1)
        if name is None:
            continue
        seen[ref.role] = seen.get(ref.role, 0) + 1
        named.append((ref, name))
    return named


def drop_refusal(spec: ModelSpec, frames: GenerationRequest, new: MediaRef) -> str:
    """ "" when ``new`` may join the inputs already in ``frames`` (its frames and references); else the
    sentence saying why not: the file itself (type, size, length) or the model's rules (count, mode, total)."""
    alone = GenerationRequest(model=spec.key, references=(new,))
    for problem in reference_file_problems(alone, spec, image_refusals):
        return _("{file}: {problem}.").format(
            file=Path(new.reference).name, problem=problem.allowed[:1].upper() + problem.allowed[1:]
        )
    together = GenerationRequest(
        model=spec.key,
        first_frame=frames.first_frame,
        last_frame=frames.last_frame,
        references=(*frames.references, new),
        prompt="x",
    )
    items = media_items(together, spec)
    relevant = [b for b in check_media(spec, items, None, "x") if b.rule not in ("needs_one_of", "too_few")]
    return relevant[0].sentence if relevant else ""


def fit_references(spec: ModelSpec, references: Sequence[MediaRef]) -> tuple[tuple[MediaRef, ...], str]:
    """What of ``references`` the new model takes (in order, up to each role's count), and a sentence
    naming what was set aside ("" when nothing was)."""
    kept: list[MediaRef] = []
    aside: dict[str, int] = {}
    for ref in references:
        role = spec.roles.get(ref.role)
        taken = sum(1 for k in kept if k.role == ref.role)
        if role is not None and taken < role.max_count and not (ref.voice and not role.voice):
            kept.append(ref)
        else:
            aside[ref.role] = aside.get(ref.role, 0) + 1
    if not aside:
        return tuple(kept), ""
    parts = [_("{n} {inputs}").format(n=format_number(n), inputs=words(role, n)) for role, n in aside.items()]
    sentence = _("Set aside for {model}, which does not take them: {inputs}.")
    return tuple(kept), sentence.format(model=spec.label, inputs=items(parts))


def items_of(references: Sequence[MediaRef]) -> list[MediaItem]:
    return [MediaItem(ref.role, None, bool(ref.voice)) for ref in references]
