"""The composer's preset picker: one click applies a preset's model and options; a line says when the form
differs from it; a menu saves, deletes, imports and exports presets and clears the prompt history.

The preset files are read and written on a worker (``BackgroundCalls``), never on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QMenu, QToolButton, QWidget

from wan_desktop.core import composing
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _, data_text
from wan_desktop.core.presets import Preset, PresetBook, option_words, preset_from_request
from wan_desktop.core.prompt_history import PromptHistory

from .background import BackgroundCalls

if TYPE_CHECKING:
    from .composer import Composer


def preset_title(preset: Preset) -> str:
    """A preset's name as shown: the shipped ones in the person's language, a person's own as they wrote it."""
    return data_text(preset.name) if preset.builtin else preset.name


class PresetPicker(QWidget):
    changed = Signal(str)  # what the line says (tests wait on it)
    presets_loaded = Signal()

    def __init__(self, composer: Composer, home: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._composer, self._home = composer, Path(home)
        self._calls = BackgroundCalls(self, max_threads=1)
        self._presets: list[Preset] = []
        self.combo = QComboBox()
        self.combo.setAccessibleName(_("Preset"))
        self.combo.setToolTip(_("Apply a named set of model and options in one click"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Preset differences"))
        self.menu_button = QToolButton()
        self.menu_button.setText(_("Presets"))
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self._menu())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(_("Preset")))
        row.addWidget(self.combo, 1)
        row.addWidget(self.menu_button)
        row.addWidget(self.status, 2)
        self.combo.activated.connect(lambda _index: self.apply(self.combo.currentData()))
        composer.options.changed.connect(self.refresh_status)
        self.reload()

    def _menu(self) -> QMenu:
        menu = QMenu(self)
        for text, slot in (
            (_("Save these settings as a preset…"), self._ask_save),
            (_("Rename the chosen preset…"), self._ask_rename),
            (_("Delete the chosen preset"), self._delete),
            (_("Import a preset…"), self._import),
            (_("Export the chosen preset…"), self._export),
            (_("Pin this prompt in the history"), self.pin_prompt),
            (_("Clear the prompt history"), self.clear_history),
        ):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        return menu

    # -- presets ---------------------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self._calls.run(lambda: PresetBook(self._home).all(), lambda presets: self._loaded(presets, select), self._say)

    def _loaded(self, presets: list[Preset], select: str | None) -> None:
        self._presets = presets
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(_("No preset"), None)
        for preset in presets:
            shown = preset_title(preset) if preset.builtin else _("{name}  (yours)").format(name=preset.name)
            self.combo.addItem(shown, preset.name)
        index = self.combo.findData(select) if select else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self.refresh_status()
        self.presets_loaded.emit()

    def chosen(self) -> Preset | None:
        name = self.combo.currentData()
        return next((p for p in self._presets if p.name == name), None)

    def apply(self, name: str | None) -> None:
        """Put the preset's model and options in the form; the prompt, pictures and seed stay."""
        self.combo.setCurrentIndex(max(self.combo.findData(name), 0))
        preset = self.chosen()
        if preset is None:
            self.refresh_status()
            return
        variations = self._composer.variations.value()
        self._composer.load_request(preset.applied_to(self._current()))
        self._composer.variations.setValue(variations)
        self.refresh_status()

    def _current(self) -> GenerationRequest:
        choices = self._composer.choices()
        seed = None if choices.random_seed else choices.seed
        return composing.request_for(choices, choices.first_frames[0] if choices.first_frames else None, seed)

    def differences(self) -> tuple[str, ...]:
        preset = self.chosen()
        return preset.differences(self._current()) if preset else ()

    def refresh_status(self) -> None:
        preset = self.chosen()
        if preset is None:
            text = ""
        elif differing := self.differences():
            options = _(", ").join(option_words(name) for name in differing)
            text = _("Differs from “{preset}”: {options}").format(preset=preset_title(preset), options=options)
        else:
            text = _("Matches “{preset}”").format(preset=preset_title(preset))
        self.status.setText(text)
        self.changed.emit(text)

    # -- the menu ----------------------------------------------------------------------------------------
    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, _("Save as a preset"), _("Name of the preset:"))
        if ok and name.strip():
            self.save_as(name.strip())

    def save_as(self, name: str) -> None:
        request = self._current()
        self._calls.run(
            lambda: PresetBook(self._home).save(preset_from_request(name, request)),
            lambda _path: self.reload(select=name),
            self._say,
        )

    def _ask_rename(self) -> None:
        preset = self.chosen()
        if preset is None:
            return
        name, ok = QInputDialog.getText(self, _("Rename the preset"), _("New name:"), text=preset.name)
        if ok and name.strip():
            self.rename(preset.name, name.strip())

    def rename(self, old: str, new: str) -> None:
        self._calls.run(lambda: PresetBook(self._home).rename(old, new), lambda _r: self.reload(select=new), self._say)

    def _delete(self) -> None:
        preset = self.chosen()
        if preset is not None:
            self._calls.run(lambda: PresetBook(self._home).delete(preset.name), lambda _r: self.reload(), self._say)

    def _import(self) -> None:
        name, _chosen = QFileDialog.getOpenFileName(self, _("Import a preset"), "", _("Presets (*.json)"))
        if name:
            self._calls.run(lambda: PresetBook(self._home).import_file(Path(name)), lambda _r: self.reload(), self._say)

    def _export(self) -> None:
        preset = self.chosen()
        if preset is None:
            return
        name, _chosen = QFileDialog.getSaveFileName(
            self, _("Export the preset"), f"{preset.name}.json", _("Presets (*.json)")
        )
        if name:
            self._calls.run(lambda: PresetBook(self._home).export(preset.name, Path(name)), lambda _r: None, self._say)

    def pin_prompt(self) -> None:
        """Keep the prompt in the box at the top of the completion list."""
        text = self._composer.prompt_edit.toPlainText().strip()
        if not text:
            return
        history = PromptHistory(self._home)
        self._calls.run(
            lambda: (history.remember([text]), history.pin(text)), lambda _r: self._tell(_("Prompt pinned")), self._say
        )

    def clear_history(self) -> None:
        self._calls.run(
            lambda: PromptHistory(self._home).clear(), lambda _r: self._tell(_("Prompt history cleared")), self._say
        )

    def _say(self, error: Exception) -> None:
        self._tell(str(error))

    def _tell(self, text: str) -> None:
        self.status.setText(text)
        self.changed.emit(text)

    def shutdown(self) -> None:
        self._calls.shutdown()
