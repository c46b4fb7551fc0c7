"""The composer's reference tray: one drop row per reference role the chosen model declares (images, clips,
audio, the video to edit), each with a count badge ("2 / 10"), and a chip per reference ("Image 1") that puts
its name into the prompt.

Built from the catalog's roles, so no model is named here. Every drop is checked off the GUI thread by
``core.composing_refs.drop_refusal`` (file type, size, length, and the model's rules next to the frames and
references already set); a refused drop says why and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wan_desktop.core import composing_refs
from wan_desktop.core.dashscope.media_rules import words
from wan_desktop.core.dashscope.specs import ModelSpec
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef
from wan_desktop.core.i18n import _, format_number

from . import theme
from .background import BackgroundCalls


def role_title(role: str) -> str:
    """The row's name for a tray role ("Reference images"); a role the app has no words for says its own."""
    titles = {
        "reference_image": _("Reference images"),
        "reference_video": _("Reference clips"),
        "reference_audio": _("Reference audio files"),
        "video": _("Videos to edit"),
    }
    return titles.get(role) or words(role, 2).capitalize()


class RoleRow(QFrame):
    """One role's drop row: its name, the count badge and the files dropped so far."""

    def __init__(self, tray: ReferenceTray, role: str, most: int) -> None:
        super().__init__()
        self.role, self.most, self._tray = role, most, tray
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = role_title(role)
        self.title = QLabel(title)
        self.badge = QLabel()
        theme.name(
            self.badge, _("{role} count").format(role=title), _("How many {role} are set").format(role=title.lower())
        )
        layout = QHBoxLayout(self)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.badge)
        self.set_count(0)

    def set_count(self, number: int) -> None:
        self.badge.setText(_("{number} / {most}").format(number=format_number(number), most=format_number(self.most)))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            self._tray.add_reference(url.toLocalFile() or url.toString())
        event.acceptProposedAction()


class ReferenceTray(QWidget):
    changed = Signal()
    refused = Signal(str)  # the sentence saying why a drop was not taken
    chip_chosen = Signal(str)  # "Image 1": the name to put into the prompt

    def __init__(
        self, calls: BackgroundCalls, frames: Callable[[], GenerationRequest], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._calls, self._frames = calls, frames
        self._spec: ModelSpec | None = None
        self._refs: list[MediaRef] = []
        self._checking = 0
        self.rows: dict[str, RoleRow] = {}
        self.chips: list[QPushButton] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._chip_row = QHBoxLayout()
        self._layout.addLayout(self._chip_row)

    @property
    def busy(self) -> bool:
        return self._checking > 0

    def references(self) -> tuple[MediaRef, ...]:
        return tuple(self._refs)

    def apply_model(self, spec: ModelSpec) -> str:
        """Rebuild the rows for ``spec``; keep the references it takes. Returns what was set aside, in words."""
        self._spec = spec
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for role in composing_refs.tray_roles(spec):
            row = RoleRow(self, role, spec.roles[role].max_count)
            self.rows[role] = row
            self._layout.insertWidget(self._layout.count() - 1, row)
        kept, aside = composing_refs.fit_references(spec, self._refs)
        self._refs = list(kept)
        self._refresh()
        self.setVisible(bool(self.rows))
        return aside

    def add_reference(self, reference: str, voice: str | None = None) -> None:
        """A dropped or chosen file: its role comes from its type; checked off the GUI thread."""
        spec = self._spec
        if spec is None:
            return
        role = composing_refs.role_for_file(spec, reference)
        if role is None:
            sentence = _("{name}: {model} takes no file of this type here.")
            self.refused.emit(sentence.format(name=Path(reference).name, model=spec.label))
            return
        new = MediaRef(role, reference, voice)
        frames = self._frames()
        inputs = GenerationRequest(
            model=spec.key, first_frame=frames.first_frame, last_frame=frames.last_frame, references=self.references()
        )
        self._checking += 1
        self._calls.run(
            lambda: composing_refs.drop_refusal(spec, inputs, new),
            lambda refusal: self._checked(spec, new, refusal),
            lambda error: self._checked(
                spec, new, _("{name} could not be checked: {error}").format(name=Path(reference).name, error=error)
            ),
        )

    def _checked(self, spec: ModelSpec, new: MediaRef, refusal: str) -> None:
        self._checking -= 1
        if spec is not self._spec:
            return  # the model changed meanwhile: the answer is about another model
        if refusal:
            self.refused.emit(refusal)
            return
        self._refs.append(new)
        self._refresh()
        self.changed.emit()

    def remove(self, index: int) -> None:
        del self._refs[index]
        self._refresh()
        self.changed.emit()

    def set_references(self, references: tuple[MediaRef, ...]) -> None:
        self._refs = list(references)
        self._refresh()

    def _refresh(self) -> None:
        for role, row in self.rows.items():
            row.set_count(sum(1 for ref in self._refs if ref.role == role))
        for chip in self.chips:
            self._chip_row.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for ref, name in composing_refs.chip_words(self._refs):
            chip = QPushButton(name)
            theme.name(
                chip,
                _("Insert {name}").format(name=name),
                _("Put “{name}” ({file}) into the prompt").format(name=name, file=Path(ref.reference).name),
            )
            chip.clicked.connect(lambda _checked=False, name=name: self.chip_chosen.emit(name))
            self._chip_row.addWidget(chip)
            self.chips.append(chip)
