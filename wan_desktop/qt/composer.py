"""The composer: pictures, prompt and options in, a list of GenerationRequests out.

It shows only what the chosen model takes (``OptionsForm``, ``InputArea``), shows the estimated cost before
anything is sent, and checks the request locally (off the GUI thread: the check reads the files) so a bad
option never costs a call. What the choices become is decided in ``core.composing``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wan_desktop.core import composing, cost
from wan_desktop.core.dashscope.catalog import ModelSpec, Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _
from wan_desktop.core.request_checks import validate_request

from . import theme
from .background import BackgroundCalls
from .composer_form import OptionsForm
from .composer_inputs import InputArea
from .drop_zone import DropZone, ImageChecker
from .preset_picker import PresetPicker
from .prompt_completer import PromptCompleter

MAX_VARIATIONS = composing.MAX_VARIATIONS


@dataclass(frozen=True)
class _Validated:
    requests: tuple[GenerationRequest, ...]
    problems: tuple[str, ...]
    frame_problems: frozenset[str] = frozenset()  # those about the first or last frame


def _checked(requests: tuple[GenerationRequest, ...], region: Region) -> _Validated:
    """What ``composing.check_requests`` finds (each sentence once), and which of them are about a frame: known
    by the problem's field, not by its words, which depend on the language."""
    problems: list[str] = []
    frames: set[str] = set()
    for request in requests:
        for problem in validate_request(request, region):
            text = composing.problem_text(problem)
            if text not in problems:
                problems.append(text)
            if problem.field in ("first_frame", "last_frame"):
                frames.add(text)
    return _Validated(requests, tuple(problems), frozenset(frames))


class Composer(QWidget):
    generate_requested = Signal(list)  # list[GenerationRequest]
    model_changed = Signal(str)  # catalog key (to remember as Settings.last_model)

    def __init__(
        self,
        region: Callable[[], Region],
        scratch_dir: Path,
        checker: ImageChecker | None = None,
        parent: QWidget | None = None,
        home: Path | None = None,  # presets and prompt history live here; None: neither is offered
    ) -> None:
        super().__init__(parent)
        self._region = region
        self._calls = BackgroundCalls(self)
        self._validation_token: int | None = None
        self._pending_local: list[str] = []
        self._problems: list[str] = []
        self._closed = False
        self.options = OptionsForm()
        self.inputs = InputArea(self._calls, checker or ImageChecker(), Path(scratch_dir))
        self._expose_parts()
        self.presets = PresetPicker(self, home) if home else None
        self.completer = PromptCompleter(self.prompt_edit, home, self) if home else None
        self._build_feedback()
        self._build_layout()
        self._connect()
        self.refresh_region()

    # -- construction ------------------------------------------------------------------------------------
    def _expose_parts(self) -> None:
        # The parts' controls are the composer's own to its users (the window, the self-test, the tests).
        o, i = self.options, self.inputs
        self.model_combo, self.model_info, self.variations = o.model_combo, o.model_info, o.variations
        self.prompt_edit, self.prompt_count = o.prompt_edit, o.prompt_count
        self.negative_edit, self.negative_count = o.negative_edit, o.negative_count
        self.resolution_combo, self.duration_combo = o.resolution_combo, o.duration_combo
        self.random_seed, self.seed_spin, self.prompt_extend = o.random_seed, o.seed_spin, o.prompt_extend
        self.watermark, self.sound, self.shot_combo = o.watermark, o.sound, o.shot_combo
        self.template_combo = o.template_combo
        self.first_zone, self.last_zone = i.first_zone, i.last_zone
        self.audio_picker, self.clip_picker = i.audio_picker, i.clip_picker
        self.audio_row, self.clip_row = i.audio_row, i.clip_row
        self.tray, self.ratio_combo = i.tray, o.ratio_combo

    def _build_feedback(self) -> None:
        self.cost_label = QLabel()
        self.cost_label.setWordWrap(True)
        self.cost_label.setAccessibleName(_("Estimated cost"))
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setAccessibleName(_("Problems with the request"))
        self.problems_label.setVisible(False)
        self.generate_button = QPushButton(_("&Generate"))
        self.generate_button.setDefault(True)
        theme.name(self.generate_button, _("Generate"), _("Queue the videos (Ctrl+Enter)"))
        self.generate_button.setToolTip(_("Queue the videos (Ctrl+Enter)"))

    def _build_layout(self) -> None:
        right = QVBoxLayout()
        if self.presets is not None:
            right.addWidget(self.presets)
        right.addWidget(self.options)
        right.addWidget(self.cost_label)
        right.addWidget(self.problems_label)
        right.addWidget(self.generate_button, 0, Qt.AlignmentFlag.AlignRight)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.inputs, 1)
        layout.addLayout(right, 1)

    def _connect(self) -> None:
        self.options.model_chosen.connect(self._model_changed)
        self.options.changed.connect(self._update_cost)
        self.inputs.changed.connect(self._update_cost)
        self.tray.refused.connect(lambda sentence: self._show_problems([sentence]))
        self.tray.chip_chosen.connect(self.insert_in_prompt)
        for zone in (self.first_zone, self.last_zone):
            zone.changed.connect(self._update_generate_enabled)
        self.generate_button.clicked.connect(self.generate)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            self._shortcut(QKeySequence(keys), self, self.generate)
        self._shortcut(QKeySequence.StandardKey.Paste, self.first_zone, self.paste)
        self._shortcut(QKeySequence.StandardKey.Paste, self.last_zone, lambda: self.paste(self.last_zone))
        self._calls.busy_changed.connect(lambda _busy: self._update_generate_enabled())

    @staticmethod
    def _shortcut(keys, owner: QWidget, slot) -> QShortcut:
        # PySide6 ignores a `context=` keyword here, so set it explicitly: each shortcut acts only
        # where its owner (or a child) has focus, which keeps the two Paste shortcuts apart.
        shortcut = QShortcut(keys, owner)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    # -- region and model --------------------------------------------------------------------------------
    def region(self) -> Region:
        return self._region()

    def refresh_region(self) -> None:
        """Rebuild the model list for the current region (call after Settings change the region)."""
        self.options.list_models(self.region())
        self._model_changed()

    def spec(self) -> ModelSpec:
        return self.options.spec()

    def select_model(self, key: str) -> None:
        self.options.select_model(key)

    def _model_changed(self) -> None:
        self.options.apply_model(self.region())
        aside = self.inputs.apply_model(self.spec())
        self._update_cost()
        self._show_problems([aside] if aside else [])
        self.model_changed.emit(self.spec().key)

    def insert_in_prompt(self, name: str) -> None:
        """A reference chip: its name goes in at the cursor, as these models expect ("Image 1")."""
        cursor = self.prompt_edit.textCursor()
        before = self.prompt_edit.toPlainText()[: cursor.position()]
        cursor.insertText(("" if not before or before.endswith(" ") else " ") + name + " ")
        self.prompt_edit.setTextCursor(cursor)

    # -- live feedback ----------------------------------------------------------------------------------
    def choices(self) -> composing.Choices:
        """What the form holds now, as plain values."""
        return composing.Choices(**self.options.values(), **self.inputs.values())

    def image_count(self) -> int:
        return max(1, len(self.first_zone.references()))

    def batch_size(self) -> int:
        return self.choices().batch_size

    def _update_cost(self) -> None:
        choices = self.choices()
        first = choices.first_frames[0] if choices.first_frames else None
        one = cost.estimate(composing.request_for(choices, first, seed=None), self.region())
        self._one_estimate, self._batch_estimate = one, cost.total([one] * choices.batch_size)
        self.cost_label.setText(composing.cost_line(one, self._batch_estimate, choices.batch_size))

    def estimated(self) -> tuple[cost.CostEstimate, cost.CostEstimate]:
        """(per video, whole batch), as shown."""
        return self._one_estimate, self._batch_estimate

    def _update_generate_enabled(self) -> None:
        busy = self.inputs.busy or self._validation_token is not None
        self.generate_button.setEnabled(not busy)
        self.generate_button.setText(_("Checking…") if busy else _("&Generate"))

    # -- requests ------------------------------------------------------------------------------------------
    def build_requests(self) -> list[GenerationRequest]:
        """One request per first-frame image × variation; random seeds are distinct within the batch."""
        return composing.build_requests(self.choices())

    def generate(self) -> None:
        """Check the requests off the GUI thread; emit ``generate_requested`` only when all are fine."""
        if self._validation_token is not None or self.inputs.busy:
            return
        requests = tuple(self.build_requests())
        region = self.region()
        self._pending_local = self.inputs.local_problems()

        self._validation_token = self._calls.run(
            lambda: _checked(requests, region), self._validated, self._validation_failed
        )
        self._update_generate_enabled()

    def _validated(self, result: _Validated) -> None:
        self._validation_token = None
        self._update_generate_enabled()
        # An image problem already explained by the image check (with its Fix hint) is not repeated.
        covered = result.frame_problems if self._pending_local else frozenset()
        problems = self._pending_local + [p for p in result.problems if p not in covered]
        self._show_problems(problems)
        if not problems:
            self.generate_requested.emit(list(result.requests))

    def _validation_failed(self, error: Exception) -> None:
        self._validation_token = None
        self._update_generate_enabled()
        self._show_problems([_("The request could not be checked: {error}").format(error=error)])

    def _show_problems(self, problems: list[str]) -> None:
        self.problems_label.setVisible(bool(problems))
        items = "<br>".join("• " + html.escape(p) for p in problems)
        self.problems_label.setText(f"<span style='color:{theme.css_colour('error')}'>{items}</span>")
        self._problems = list(problems)

    def problems(self) -> list[str]:
        """The problems shown next to the form, as plain sentences."""
        return list(self._problems)

    # -- paste and remix -------------------------------------------------------------------------------------
    def paste(self, zone: DropZone | None = None) -> None:
        (zone or self.first_zone).add_mime(QGuiApplication.clipboard().mimeData())

    def load_request(self, request: GenerationRequest) -> None:
        """Fill the form from an earlier request (remix); the seed is kept fixed so it can be repeated."""
        self.options.load(request)
        self.inputs.load(request)
        self._update_cost()

    # -- teardown ------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Wait for image checks and fixes still running; call before the widget goes away."""
        if self._closed:
            return
        self._closed = True
        for part in (self.presets, self.completer):
            if part is not None:
                part.shutdown()
        self._calls.shutdown()
        self.inputs.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
