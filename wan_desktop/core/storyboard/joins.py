"""Which joins a model can do, asked of the catalog, and the sentence that refuses a shot at edit time.

The reference join needs a model that takes a previous clip as a reference (Wan 3.0); the catalog says so
through ``ModelSpec.takes_reference_video`` once the model is there, and until then no model can."""

from __future__ import annotations

from dataclasses import replace

from wan_desktop.core.composing import problem_text
from wan_desktop.core.dashscope.catalog import ModelSpec, Region, find_model
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _, format_seconds_value
from wan_desktop.core.request_checks import validate_request

from .model import Join

# Stand-ins for the inputs a joined shot gets when it renders, so the rest of its request is checked now.
_FRAME_STAND_IN = "https://storyboard.invalid/previous-last-frame.png"
_CLIP_STAND_IN = "https://storyboard.invalid/previous-clip.mp4"


def takes_reference_video(spec: ModelSpec) -> bool:
    return bool(getattr(spec, "takes_reference_video", False))


def can_join(spec: ModelSpec, join: Join) -> bool:
    if join is Join.CLIP:
        return spec.takes_first_clip
    if join is Join.REFERENCE:
        return takes_reference_video(spec)
    return True  # every model starts from a first frame


def joins_for(spec: ModelSpec) -> tuple[Join, ...]:
    return tuple(join for join in Join if can_join(spec, join))


def join_refusal(
    request: GenerationRequest, join: Join, *, previous: GenerationRequest | None, region: Region
) -> str | None:
    """None when a shot with ``request`` can join the shot before it (``previous``) this way, else why not."""
    spec = find_model(request.model)
    if spec is None:
        return _("There is no model called {model}.").format(model=repr(request.model))
    if join.needs_previous and previous is None:
        return _(
            "The first shot has nothing before it, so it cannot be a shot that {join}; make it a hard cut."
        ).format(join=join.label)
    if not can_join(spec, join):
        return _("{model} cannot do a shot that {join}; {alternatives}.").format(
            model=spec.label, join=join.label, alternatives=_alternatives(spec)
        )
    if join is Join.CUT and not request.first_frame:
        return _("A hard cut needs its own first-frame picture.")
    if join.needs_previous and (request.first_frame or request.first_clip):
        return _(
            "A shot that {join} gets its input from the shot before it; leave out its own picture or clip."
        ).format(join=join.label)
    if join is Join.CLIP and previous is not None:
        problem = _clip_length_problem(spec, request, previous)
        if problem:
            return problem
    problems = validate_request(_with_stand_ins(request, join), region)
    return problem_text(problems[0]) if problems else None


def _alternatives(spec: ModelSpec) -> str:
    words = [join.label for join in joins_for(spec) if join.needs_previous]
    if not words:
        return _("make it a hard cut")
    joins = words[0]
    for word in words[1:]:
        # Translators: two ways a shot can join the one before, as "a shot that {first} or {second}" says them
        joins = _("{first} or {second}").format(first=joins, second=word)
    return _("it can do a shot that {joins}, or a hard cut").format(joins=joins)


def _clip_length_problem(spec: ModelSpec, request: GenerationRequest, previous: GenerationRequest) -> str | None:
    before = find_model(previous.model)
    clip_seconds = previous.duration or (before.default_duration if before else 0)
    seconds = request.duration or spec.default_duration
    limits = spec.video_limits
    if limits is not None and clip_seconds > limits.max_seconds:
        return _("{model} continues clips of at most {limit} s; the shot before is {seconds} s.").format(
            model=spec.label, limit=format_seconds_value(limits.max_seconds), seconds=format_seconds_value(clip_seconds)
        )
    if seconds <= clip_seconds:
        return _(
            "{model}'s length counts the clip it continues: give more than the {before} s of the shot before "
            "(now {seconds} s)."
        ).format(model=spec.label, before=format_seconds_value(clip_seconds), seconds=format_seconds_value(seconds))
    return None


def _with_stand_ins(request: GenerationRequest, join: Join) -> GenerationRequest:
    if join is Join.CLIP:
        return replace(request, first_clip=_CLIP_STAND_IN)
    if join.needs_previous:
        return replace(request, first_frame=_FRAME_STAND_IN)
    return request
