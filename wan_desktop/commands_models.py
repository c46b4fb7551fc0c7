"""Handlers of issue 11's command line: `wan-desktop models`, and the media-array parts of `submit`
(references by file type, --duration auto, --ratio, --thinking)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wan_desktop.cli_models import AUTO
from wan_desktop.core import composing, composing_refs
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.specs import ModelSpec, Status
from wan_desktop.core.dashscope.types import MediaRef
from wan_desktop.core.i18n import _, data_text, pgettext


class SubmitRefused(Exception):
    """A sentence for the person; nothing was queued."""


def references_for(args, spec: ModelSpec) -> tuple[MediaRef, ...]:
    from wan_desktop.cli_inputs import local_reference

    refs = []
    for given in args.reference:
        reference = local_reference(given)
        role = composing_refs.role_for_file(spec, reference)
        if role is None:
            words = _("{name}: {model} takes no reference of this file type.")
            raise SubmitRefused(words.format(name=Path(reference).name, model=spec.label))
        refs.append(MediaRef(role, reference))
    return tuple(refs)


def duration_for(args, spec: ModelSpec) -> int | None:
    if args.duration != AUTO:
        return args.duration
    if spec.auto_duration is None:
        raise SubmitRefused(
            _("{model} cannot choose its own length; give --duration in seconds.").format(model=spec.label)
        )
    return spec.auto_duration


def check_host(spec: ModelSpec | None, settings) -> None:
    """A model that answers only on a workspace host, queued for a region without a workspace id, is
    refused now with where to find the id, rather than failing when `run` sends it."""
    from wan_desktop.core.dashscope.regions import ServiceEndpoint, workspace_problem
    from wan_desktop.core.dashscope.specs import Region

    if spec is None or settings.region is Region.CUSTOM:
        return
    endpoint = ServiceEndpoint.for_region(settings.region, workspace=settings.workspace_for(settings.region))
    problem = workspace_problem(spec, endpoint)
    if problem:
        raise SubmitRefused(problem)


def needs_an_image(spec: ModelSpec, args) -> bool:
    """`submit` without images: fine where the model's rules allow text alone or references."""
    return not (spec.text_only_allowed or args.reference or args.clip)


def modes(spec: ModelSpec) -> list[str]:
    """What the model can make, as the codes `models --json` gives (``mode_words`` says them for a person)."""
    found = []
    if spec.text_only_allowed:
        found.append("text")
    if spec.takes("first_frame"):
        found.append("first frame")
    if spec.takes_last_frame:
        found.append("first+last frame")
    if spec.takes("first_clip"):
        found.append("continue a clip")
    if spec.takes("video"):
        found.append("edit a video")
    if any(spec.takes(r) for r in ("reference_image", "reference_video", "reference_audio")):
        found.append("references")
    return found


def model_row(spec: ModelSpec) -> dict:
    prices = {
        f"{p.region.value if p.region else p.currency.value}/{p.resolution}"
        + ("/silent" if p.audio is False else ""): f"{p.per_second:g} {p.currency.value}/s"
        for p in spec.prices
    }
    return {
        "name": spec.key,
        "label": spec.label,
        "badge": spec.badge,
        "status": spec.status.state.value,
        "retires": spec.status.retires_on or None,
        "modes": modes(spec),
        "regions": [r.value for r in spec.names_by_region],
        "workspace_host_only": spec.workspace_host_only,
        "prices": prices,
    }


def list_models(as_json: bool) -> int:
    rows = [model_row(spec) for spec in catalog.MODELS.values()]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for spec, row in zip(catalog.MODELS.values(), rows, strict=True):
        print(f"{spec.key:22} {model_heading(spec)}")
        words = _(", ").join(mode_words(mode) for mode in row["modes"])
        line = _("{modes}; {status}; {regions}").format(
            modes=words, status=status_words(spec.status.state), regions=composing.region_offers(spec)
        )
        print(f"{'':22} {line}")
    return 0


def model_heading(spec: ModelSpec) -> str:
    """The model's name and marks, as the window's model list starts: "Wan 3.0 (Newest, preview)"."""
    marks = [data_text(spec.badge)] if spec.badge else []
    if spec.status.state is Status.PREVIEW:
        marks.append(status_words(Status.PREVIEW))
    retiring = catalog.retirement_words(spec)
    if retiring:
        marks.append(retiring[:1].lower() + retiring[1:])
    if not marks:
        return spec.label
    return _("{model} ({marks})").format(model=spec.label, marks=_(", ").join(marks))


def status_words(status: Status) -> str:
    return {
        Status.GA: pgettext("model status", "ga"),
        Status.PREVIEW: pgettext("model status", "preview"),
        Status.RETIRING: pgettext("model status", "retiring"),
    }[status]


def mode_words(mode: str) -> str:
    """One of ``modes``' codes for a person (the codes are English words: in English they read as they are)."""
    return {
        "text": _("text"),
        "first frame": _("first frame"),
        "first+last frame": _("first+last frame"),
        "continue a clip": _("continue a clip"),
        "edit a video": _("edit a video"),
        "references": _("references"),
    }[mode]


def refuse(error: SubmitRefused) -> int:
    print(f"wan-desktop: {error}", file=sys.stderr)
    return 64
