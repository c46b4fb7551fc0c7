"""The files given to `submit`: file:// links turned into paths, and the same image check and fix as the window.

The window warns about a picture stored turned (EXIF), in CMYK, with 16 bits per colour or animated, and offers
the fix; the command line does the same: it names the problem and refuses, or with --fix writes the fixed copy
(where the window writes its own) and says what it changed. The original file is never touched.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from wan_desktop.core.dashscope.catalog import ImageLimits, find_model
from wan_desktop.core.dashscope.types import is_remote
from wan_desktop.core.i18n import _


class InputRefused(Exception):
    """One or more inputs cannot be used as given; ``lines`` are sentences for the person."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(" ".join(lines))
        self.lines = tuple(lines)


@dataclass(frozen=True)
class SubmitInputs:
    images: tuple[str, ...]
    last_frame: str | None
    audio: str | None
    clip: str | None


def submit_inputs(args: argparse.Namespace, scratch: Path, *, report: Callable[[str], None]) -> SubmitInputs:
    """The inputs of a `submit` as absolute paths (or remote URLs), checked; InputRefused lists every problem."""
    refs = SubmitInputs(
        images=tuple(local_reference(image) for image in args.images),
        last_frame=_optional(args.last_frame),
        audio=_optional(args.audio_file),
        clip=_optional(args.clip),
    )
    spec = find_model(args.model)
    if spec is None:
        return refs  # the request check names an unknown model
    check = _ImageCheck(spec.image_limits, scratch, fix=bool(getattr(args, "fix", False)), report=report)
    images = tuple(check(image) for image in refs.images)
    last_frame = check(refs.last_frame) if refs.last_frame else None
    if check.problems:
        raise InputRefused(check.problems)
    return SubmitInputs(images, last_frame, refs.audio, refs.clip)


def local_reference(reference: str) -> str:
    """A file argument as an absolute path: file:///tmp/a%20b.png is /tmp/a b.png; URLs stay as they are."""
    if reference.lower().startswith("file:"):
        return str(_file_url_path(reference))
    if is_remote(reference):
        return reference
    return str(Path(reference).expanduser().resolve())


def _optional(reference: str | None) -> str | None:
    return local_reference(reference) if reference else None


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        words = _("{url} names a file on another computer ({host}); copy it here first.")
        raise InputRefused([words.format(url=url, host=parts.netloc)])
    if not parts.path:
        raise InputRefused([_("{url} names no file.").format(url=url)])
    return Path(url2pathname(parts.path)).expanduser().resolve()


class _ImageCheck:
    """Checks one image at a time, collecting problems; with ``fix`` it returns the fixed copy's path."""

    def __init__(self, limits: ImageLimits, scratch: Path, *, fix: bool, report: Callable[[str], None]) -> None:
        self.limits, self.scratch, self.fix, self.report = limits, scratch, fix, report
        self.problems: list[str] = []

    def __call__(self, reference: str) -> str:
        if is_remote(reference):
            return reference  # checked by the service; nothing here can read it
        from wan_desktop.core.images import inspect_image  # Pillow loads only when a picture is checked

        report = inspect_image(Path(reference), self.limits)
        if report.ok:
            return reference
        name = Path(reference).name
        if self.fix and report.fixable:
            return self._fixed(reference, name)
        if report.fixable:
            words = _(
                "{name}: {problem} Add --fix to let Wan Desktop write a fixed copy (the original stays as it is)."
            )
        else:
            words = _("{name}: {problem}")
        self.problems.append(words.format(name=name, problem=report.summary))
        return reference

    def _fixed(self, reference: str, name: str) -> str:
        from wan_desktop.core.images import fix_image

        try:
            self.scratch.mkdir(parents=True, exist_ok=True)
            fixed = fix_image(Path(reference), self.limits, self.scratch)
        except ValueError as error:
            self.problems.append(_("{name}: {problem}").format(name=name, problem=error))
            return reference
        changes = _("; ").join(fixed.changes) or _("rewritten")
        self.report(
            _("{name}: {changes}. Using the fixed copy {path}.").format(name=name, changes=changes, path=fixed.path)
        )
        return str(fixed.path)
