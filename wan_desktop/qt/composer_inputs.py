"""The composer's inputs: first and last frames (drop zones), the audio and the clip to continue.

Each shows only when the chosen model takes it. The image checks and fixes run off the GUI thread through the
owner's ``BackgroundCalls``."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from wan_desktop.core import composing
from wan_desktop.core.dashscope.catalog import ModelSpec
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef
from wan_desktop.core.i18n import _

from . import theme
from .background import BackgroundCalls
from .composer_refs import ReferenceTray
from .drop_zone import DropZone, ImageChecker
from .thumbnails import ThumbnailCache


def audio_filter() -> str:
    return _("Audio (*.wav *.mp3);;All files (*)")


def video_filter() -> str:
    return _("Video (*.mp4 *.mov);;All files (*)")


class InputValues(TypedDict):
    """The inputs' part of ``composing.Choices`` (typed, so the composer's ``Choices(**...)`` is checked)."""

    first_frames: tuple[str, ...]
    last_frame: str | None
    audio: str | None
    first_clip: str | None
    references: tuple[MediaRef, ...]


class MediaPicker(QWidget):
    """A line for a file path or an http(s)/oss URL, with Browse (audio and video clips)."""

    changed = Signal()

    def __init__(self, what: str, file_filter: str, button_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self._filter = file_filter
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(_("A file, or an https:// or oss:// link"))
        self.edit.setClearButtonEnabled(True)
        theme.name(self.edit, what, _("The {what}: a local file or a link").format(what=what.lower()))
        self.edit.textChanged.connect(self.changed)
        self.browse_button = QPushButton(button_text)
        theme.name(self.browse_button, _("Browse for the {what}").format(what=what.lower()))
        self.browse_button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse_button)

    def browse(self) -> None:
        title = _("Choose the {what}").format(what=self.what.lower())
        path, _chosen = QFileDialog.getOpenFileName(self, title, "", self._filter)
        if path:
            self.edit.setText(path)

    def reference(self) -> str | None:
        return self.edit.text().strip() or None


def _labelled(text: str, field: QWidget, buddy: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(text)
    label.setBuddy(buddy)
    layout.addWidget(label)
    layout.addWidget(field, 1)
    return row


class InputArea(QWidget):
    changed = Signal()  # an input that changes the batch or its price changed

    def __init__(
        self, calls: BackgroundCalls, checker: ImageChecker, scratch_dir: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.thumbnails = ThumbnailCache(QSize(200, 150), self)
        scratch, thumbs = Path(scratch_dir), self.thumbnails
        self.first_zone = DropZone(
            _("First frame"), calls=calls, checker=checker, scratch_dir=scratch, thumbnails=thumbs, multiple=True
        )
        self.last_zone = DropZone(
            _("Last frame"), calls=calls, checker=checker, scratch_dir=scratch, thumbnails=thumbs, multiple=False
        )
        self.audio_picker = MediaPicker(_("Audio"), audio_filter(), _("Browse audio…"))
        self.clip_picker = MediaPicker(_("Video clip to continue"), video_filter(), _("Browse clip…"))
        self.audio_row = _labelled(_("&Audio:"), self.audio_picker, self.audio_picker.edit)
        self.clip_row = _labelled(_("Continue c&lip:"), self.clip_picker, self.clip_picker.edit)
        self.tray = ReferenceTray(calls, self._frames)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.first_zone, self.last_zone, self.tray, self.audio_row, self.clip_row):
            layout.addWidget(widget)
        layout.addStretch(1)
        for signal in (self.first_zone.changed, self.last_zone.changed, self.clip_picker.changed, self.tray.changed):
            signal.connect(self.changed)
        self._spec: ModelSpec | None = None

    @property
    def busy(self) -> bool:
        return self.first_zone.busy or self.last_zone.busy or self.tray.busy

    def _frames(self) -> GenerationRequest:
        """The frames set now, for checking a reference dropped beside them."""
        spec_key = self._spec.key if self._spec else ""
        first, last = self.first_zone.references(), self.last_zone.references()
        takes_last = self._spec is not None and self._spec.takes_last_frame
        return GenerationRequest(
            model=spec_key,
            first_frame=first[0] if first and self._spec and self._spec.takes("first_frame") else None,
            last_frame=last[0] if last and takes_last else None,
        )

    def apply_model(self, spec: ModelSpec) -> str:
        """Show the inputs ``spec`` takes; returns what was set aside in words ("" if nothing)."""
        self._spec = spec
        aside = self.tray.apply_model(spec)
        self.first_zone.setVisible(spec.takes("first_frame"))
        self.last_zone.setVisible(spec.takes_last_frame)
        takes_audio = composing.takes_audio(spec)
        self.audio_row.setVisible(takes_audio)
        self.audio_picker.setEnabled(takes_audio)
        self.clip_row.setVisible(spec.takes_first_clip)
        self.clip_picker.setEnabled(spec.takes_first_clip)
        for zone in (self.first_zone, self.last_zone):
            zone.set_limits(spec.image_limits, spec.label)
        if self.last_zone.references() and not spec.takes_last_frame:
            last = _("The last frame is set aside: {model} takes none.").format(model=spec.label)
            aside = (aside + " " if aside else "") + last
        return aside

    def values(self) -> InputValues:
        """The inputs' part of ``composing.Choices`` (what the model does not take is dropped there)."""
        last = self.last_zone.references()
        return InputValues(
            first_frames=tuple(self.first_zone.references()),
            last_frame=last[0] if last else None,
            audio=self.audio_picker.reference(),
            first_clip=self.clip_picker.reference(),
            references=self.tray.references(),
        )

    def local_problems(self) -> list[str]:
        """What is known before the core's check: images still being checked or not yet fixed."""
        problems = []
        zones = [self.first_zone] + ([self.last_zone] if self._spec and self._spec.takes_last_frame else [])
        for zone in zones:
            for entry in zone.entries():
                if not entry.usable and entry.report is not None:
                    words = {"what": zone.what, "name": entry.name, "problem": entry.report.summary}
                    if entry.fixable:
                        problems.append(_("{what} '{name}': {problem} Press Fix to correct it.").format(**words))
                    else:
                        problems.append(_("{what} '{name}': {problem}").format(**words))
        return problems

    def load(self, request: GenerationRequest) -> None:
        self.audio_picker.edit.setText(request.audio or "")
        self.clip_picker.edit.setText(request.first_clip or "")
        self.first_zone.set_references([request.first_frame] if request.first_frame else [])
        self.last_zone.set_references([request.last_frame] if request.last_frame else [])
        self.tray.set_references(request.references)

    def shutdown(self) -> None:
        self.thumbnails.shutdown()
