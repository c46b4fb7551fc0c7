"""The app's whole local check of a request before it is queued: the service's rules for the model
(``dashscope.requests.request_problems``) and the files it names, pictures included through the shared image
check (``core.images``), so the composer, the CLI, batches, storyboards and the engine say the same words.

It sits above ``core/dashscope``, which knows the service and never imports the app's file modules.
"""

from __future__ import annotations

from pathlib import Path

from wan_desktop.core.dashscope.catalog import ImageLimits, Region
from wan_desktop.core.dashscope.errors import LocalValidationError, Problem
from wan_desktop.core.dashscope.requests import request_problems
from wan_desktop.core.dashscope.types import GenerationRequest


def validate_request(request: GenerationRequest, region: Region) -> list[Problem]:
    """Everything wrong with ``request`` that can be known without the network; empty when it may be sent."""
    return request_problems(request, region, image_check=image_refusals)


def ensure_valid(request: GenerationRequest, region: Region) -> None:
    problems = validate_request(request, region)
    if problems:
        raise LocalValidationError(problems)


def image_refusals(path: Path, limits: ImageLimits) -> list[str]:
    """What makes the picture unusable for the service. A stored EXIF rotation, CMYK, 16 bits or an animation
    is advice, not a refusal: the service accepts the file (the composer and ``submit`` offer the fix)."""
    from wan_desktop.core.images import ADVISORY_ISSUES, inspect_image  # Pillow is slow to import

    report = inspect_image(path, limits)
    return [
        message for issue, message in zip(report.issues, report.messages, strict=True) if issue not in ADVISORY_ISSUES
    ]
