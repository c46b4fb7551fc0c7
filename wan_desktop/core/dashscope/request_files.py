"""The local files a request names, checked before anything is sent: that each exists, and its type, size and
length against the model's limits. Pictures are checked with the image check the caller hands in
(``ImageCheck``: core/request_checks.py gives the app's; the client none, see ``DashScopeClient.prepare``).

Each problem is a ``Problem`` whose sentence names the input as a person knows it ("the first-frame image").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wan_desktop.core.i18n import _, format_number, format_seconds_value
from wan_desktop.core.phrases import either

from .errors import Problem
from .inputs import local_path
from .media_rules import words
from .specs import AudioLimits, ImageLimits, ModelSpec, VideoLimits
from .types import GenerationRequest

_MB = 1024 * 1024

# What is wrong with a local image file for these limits, as sentences. It lives above this package (core/images,
# Pillow), so the caller hands it in.
ImageCheck = Callable[[Path, ImageLimits], list[str]]


def field_words(name: str) -> str:
    """What a person calls the input a request field or a reference role holds ("first-frame image")."""
    return words("audio_url" if name == "audio" else name)


def media_seconds(path: Path) -> float | None:
    """Length of an audio or video file via PyAV; None when it cannot be read."""
    import av
    import av.error

    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                return container.duration / 1_000_000  # av.time_base
            for stream in container.streams:
                if stream.duration is not None and stream.time_base is not None:
                    return float(stream.duration * stream.time_base)
            return None
    except (av.error.FFmpegError, OSError, ValueError):
        return None


def reference_file_problems(
    request: GenerationRequest, spec: ModelSpec, image_check: ImageCheck | None
) -> list[Problem]:
    problems: list[Problem] = []
    for ref in request.references:
        path = local_path(ref.reference)
        word = words(ref.role)
        if path is None:
            if ref.reference.startswith("data:") and ref.role != "reference_image":
                allowed = _("the {input} must be a file or an http(s)/oss URL").format(input=word)
                problems.append(Problem(ref.role, ref.reference[:40] + "…", allowed))
            continue
        if not path.is_file():
            allowed = _("the {input} file does not exist or is not a file; choose it again").format(input=word)
            problems.append(Problem(ref.role, str(path), allowed))
        elif ref.role == "reference_image":
            problems += _image_problems("first_frame", path, spec.image_limits, image_check)
        elif ref.role in ("reference_video", "video") and spec.video_limits is not None:
            problems += _video_problems(ref.role, path, spec.video_limits)
        elif ref.role == "reference_audio" and spec.audio_limits is not None:
            problems += _audio_problems(ref.role, path, spec.audio_limits)
    return problems


def local_file_problems(request: GenerationRequest, spec: ModelSpec, image_check: ImageCheck | None) -> list[Problem]:
    problems: list[Problem] = []
    for name, reference in request.media_references().items():
        if reference.startswith("data:") and name in ("audio", "first_clip"):
            allowed = _("the {input} must be a file or an http(s)/oss URL, not base64").format(input=field_words(name))
            problems.append(Problem(name, reference[:40] + "…", allowed))
            continue
        path = local_path(reference)
        if path is None:
            continue
        if not path.is_file():
            allowed = _("the {input} file does not exist or is not a file; choose it again").format(
                input=field_words(name)
            )
            problems.append(Problem(name, str(path), allowed))
            continue
        if name in ("first_frame", "last_frame"):
            problems += _image_problems(name, path, spec.image_limits, image_check)
        elif name == "audio" and spec.audio_limits is not None:
            problems += _audio_problems("audio", path, spec.audio_limits)
        elif name == "first_clip" and spec.video_limits is not None:
            problems += _video_problems("first_clip", path, spec.video_limits)
    return problems


def _image_problems(name: str, path: Path, limits: ImageLimits, image_check: ImageCheck | None) -> list[Problem]:
    if image_check is None:
        return []
    word = field_words(name)
    return [
        Problem(name, path.name, _("the {input} is not usable: {problem}").format(input=word, problem=message))
        for message in image_check(path, limits)
    ]


def _file_problems(
    name: str, path: Path, extensions: tuple[str, ...], max_bytes: int, seconds_range: tuple[float, float]
) -> list[Problem]:
    word = field_words(name)
    kinds = either(e.upper() for e in extensions)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in extensions:
        return [Problem(name, path.name, _("the {input} must be a {formats} file").format(input=word, formats=kinds))]
    problems: list[Problem] = []
    size = path.stat().st_size
    if size > max_bytes:
        shown = _("{file} ({size} MB)").format(file=path.name, size=format_number(size / _MB, 1))
        most = format_number(max_bytes // _MB)
        problems.append(Problem(name, shown, _("the {input} may be at most {size} MB").format(input=word, size=most)))
    seconds = media_seconds(path)
    low, high = seconds_range
    if seconds is None:
        allowed = _("the {input} could not be read; use a valid {formats} file").format(input=word, formats=kinds)
        problems.append(Problem(name, path.name, allowed))
    elif not (low - 0.05 <= seconds <= high + 0.05):  # container durations are rounded
        shown = _("{file} ({seconds} s)").format(file=path.name, seconds=format_number(seconds, 1))
        allowed = _("the {input} must last {low} to {high} seconds").format(
            input=word, low=format_seconds_value(low), high=format_seconds_value(high)
        )
        problems.append(Problem(name, shown, allowed))
    return problems


def _audio_problems(name: str, path: Path, limits: AudioLimits) -> list[Problem]:
    return _file_problems(name, path, limits.extensions, limits.max_bytes, (limits.min_seconds, limits.max_seconds))


def _video_problems(name: str, path: Path, limits: VideoLimits) -> list[Problem]:
    return _file_problems(name, path, limits.extensions, limits.max_bytes, (limits.min_seconds, limits.max_seconds))
