"""Handlers of issue 11's command line: `wan-desktop models`, and the media-array parts of `submit`
(references by file type, --duration auto, --ratio, --thinking)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wan_desktop.cli_models import AUTO
from wan_desktop.core import composing, composing_refs
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.specs import ModelSpec
from wan_desktop.core.dashscope.types import MediaRef


class SubmitRefused(Exception):
    """A sentence for the person; nothing was queued."""


def references_for(args, spec: ModelSpec) -> tuple[MediaRef, ...]:
    from wan_desktop.cli_inputs import local_reference

    refs = []
    for given in args.reference:
        reference = local_reference(given)
        role = composing_refs.role_for_file(spec, reference)
        if role is None:
            raise SubmitRefused(f"{Path(reference).name}: {spec.label} takes no reference of this file type.")
        refs.append(MediaRef(role, reference))
    return tuple(refs)


def duration_for(args, spec: ModelSpec) -> int | None:
    if args.duration != AUTO:
        return args.duration
    if spec.auto_duration is None:
        raise SubmitRefused(f"{spec.label} cannot choose its own length; give --duration in seconds.")
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
        title = composing.model_title(spec).split(" — ")[0]
        print(f"{spec.key:22} {title}")
        print(f"{'':22} {', '.join(row['modes'])}; {row['status']}; {composing.region_offers(spec)}")
    return 0


def refuse(error: SubmitRefused) -> int:
    print(f"wan-desktop: {error}", file=sys.stderr)
    return 64
