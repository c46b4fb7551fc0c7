"""The composer: pictures, prompt and options in, a list of GenerationRequests out.

It shows only what the chosen model takes, limits every option to the model's allowed values (durations
depend on the region), shows the estimated cost before anything is sent, and checks the request locally
(off the GUI thread: the check reads the files) so a bad option never costs a call.
"""

from __future__ import annotations

import html
import secrets as random_source
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import cost
from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, AudioMode, ModelSpec, Region
from wan_desktop.core.dashscope.errors import Problem
from wan_desktop.core.dashscope.requests import SEED_MAX, validate_request
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType

from . import theme
from .background import BackgroundCalls
from .drop_zone import DropZone, ImageChecker
from .thumbnails import ThumbnailCache

MAX_VARIATIONS = 4
_FIELD_WORDS = {
    "model": "Model",
    "resolution": "Resolution",
    "duration": "Duration",
    "prompt": "Prompt",
    "negative_prompt": "Negative prompt",
    "seed": "Seed",
    "shot_type": "Shot type",
    "audio_enabled": "Sound",
    "template": "Effect",
    "audio": "Audio",
    "last_frame": "Last frame",
    "first_frame": "First frame",
    "first_clip": "Video clip",
    "media": "Inputs",
}
AUDIO_FILTER = "Audio (*.wav *.mp3);;All files (*)"
VIDEO_FILTER = "Video (*.mp4 *.mov);;All files (*)"


def problem_text(problem: Problem) -> str:
    """"Duration: Wan 2.6 in US (Virginia) makes 5, 10 or 15 seconds (you chose 7)"."""
    label = _FIELD_WORDS.get(problem.field, problem.field.replace("_", " ").capitalize())
    value = problem.value
    shown = "" if value is None or len(str(value)) > 60 else f" (you chose {value})"
    return f"{label}: {problem.allowed}{shown}."


def region_offers(spec: ModelSpec) -> str:
    return ", ".join(REGIONS[r].label for r in spec.names_by_region) or "no region"


@dataclass(frozen=True)
class _Validated:
    requests: tuple[GenerationRequest, ...]
    problems: tuple[str, ...]


class MediaPicker(QWidget):
    """A line for a file path or an http(s)/oss URL, with Browse (audio and video clips)."""

    changed = Signal()

    def __init__(self, what: str, file_filter: str, button_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self._filter = file_filter
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("A file, or an https:// or oss:// link")
        self.edit.setClearButtonEnabled(True)
        theme.name(self.edit, what, f"The {what.lower()}: a local file or a link")
        self.edit.textChanged.connect(self.changed)
        self.browse_button = QPushButton(button_text)
        theme.name(self.browse_button, f"Browse for the {what.lower()}")
        self.browse_button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse_button)

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the {self.what.lower()}", "", self._filter)
        if path:
            self.edit.setText(path)

    def reference(self) -> str | None:
        return self.edit.text().strip() or None


class Composer(QWidget):
    generate_requested = Signal(list)  # list[GenerationRequest]
    model_changed = Signal(str)  # catalog key (to remember as Settings.last_model)

    def __init__(
        self,
        region: Callable[[], Region],
        scratch_dir: Path,
        checker: ImageChecker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._region = region
        self._checker = checker or ImageChecker()
        self._calls = BackgroundCalls(self)
        self._thumbs = ThumbnailCache(QSize(200, 150), self)
        self._validation_token: int | None = None
        self._closed = False
        zone_deps = dict(calls=self._calls, checker=self._checker, scratch_dir=Path(scratch_dir),
                         thumbnails=self._thumbs)  # fmt: skip
        self.first_zone = DropZone("First frame", multiple=True, **zone_deps)
        self.last_zone = DropZone("Last frame", multiple=False, **zone_deps)
        self.audio_picker = MediaPicker("Audio", AUDIO_FILTER, "Browse audio…")
        self.clip_picker = MediaPicker("Video clip to continue", VIDEO_FILTER, "Browse clip…")
        self._build_form()
        self._build_layout()
        self._connect()
        self.refresh_region()

    # -- construction ------------------------------------------------------------------------------------
    def _build_form(self) -> None:
        self.model_combo = QComboBox()
        # items carry a description; sized to the longest one the window would not fit a laptop screen
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(24)
        theme.name(self.model_combo, "Model", "Which Wan model makes the video")
        self.model_info = QLabel()
        self.model_info.setWordWrap(True)
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setPlaceholderText("Describe the motion: what moves, how the camera moves, the mood…")
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setMaximumHeight(160)
        theme.name(self.prompt_edit, "Prompt", "What should happen in the video")
        self.prompt_count = QLabel()
        self.prompt_count.setAccessibleName("Prompt length")
        self.negative_edit = QPlainTextEdit()
        self.negative_edit.setPlaceholderText("What to avoid (optional)")
        self.negative_edit.setTabChangesFocus(True)
        self.negative_edit.setMaximumHeight(60)
        theme.name(self.negative_edit, "Negative prompt", "What the video should not show")
        self.negative_count = QLabel()
        self.negative_count.setAccessibleName("Negative prompt length")
        self.resolution_combo = QComboBox()
        theme.name(self.resolution_combo, "Resolution")
        self.duration_combo = QComboBox()
        theme.name(self.duration_combo, "Duration", "Length of the video in seconds")
        self.random_seed = QCheckBox("&Random seed")
        self.random_seed.setChecked(True)
        theme.name(self.random_seed, "Random seed", "Untick to repeat a result with a fixed seed")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setEnabled(False)
        theme.name(self.seed_spin, "Seed", "Fixed seed; variations use the next numbers")
        self.prompt_extend = QCheckBox("Let the service &improve the prompt")
        self.prompt_extend.setChecked(True)
        theme.name(self.prompt_extend, "Prompt rewriting", "The service rewrites the prompt with a language "
                                                            "model; better results, a little slower")
        self.watermark = QCheckBox("&Watermark (an “AI generated” mark in a corner)")
        theme.name(self.watermark, "Watermark")
        self.sound = QCheckBox("&Sound")
        self.sound.setChecked(True)
        theme.name(self.sound, "Sound", "Switch sound off for a silent video at about half the price")
        self.shot_combo = QComboBox()
        # Qt turns a str enum into a plain str on the way in, so the combo holds the value.
        self.shot_combo.addItem("Single shot", ShotType.SINGLE.value)
        self.shot_combo.addItem("Multi-shot (a short story)", ShotType.MULTI.value)
        theme.name(self.shot_combo, "Shot type", "Works only with prompt rewriting on")
        self.template_combo = QComboBox()
        theme.name(self.template_combo, "Effect template", "A preset effect; the prompt is then ignored")
        self.variations = QSpinBox()
        self.variations.setRange(1, MAX_VARIATIONS)
        theme.name(self.variations, "Variations", "How many videos to make from each image")
        self.cost_label = QLabel()
        self.cost_label.setWordWrap(True)
        self.cost_label.setAccessibleName("Estimated cost")
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setAccessibleName("Problems with the request")
        self.problems_label.setVisible(False)
        self.generate_button = QPushButton("&Generate")
        self.generate_button.setDefault(True)
        theme.name(self.generate_button, "Generate", "Queue the videos (Ctrl+Enter)")
        self.generate_button.setToolTip("Queue the videos (Ctrl+Enter)")

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form = form
        self._row(form, "&Model:", self.model_combo)
        form.addRow("", self.model_info)
        self._row(form, "&Prompt:", self.prompt_edit)
        form.addRow("", self.prompt_count)
        self._row(form, "Nega&tive prompt:", self.negative_edit)
        form.addRow("", self.negative_count)
        self._row(form, "Resol&ution:", self.resolution_combo)
        self._row(form, "&Duration:", self.duration_combo)
        seed_row = QWidget()
        seed_layout = QHBoxLayout(seed_row)
        seed_layout.setContentsMargins(0, 0, 0, 0)
        seed_layout.addWidget(self.random_seed)
        seed_layout.addWidget(self.seed_spin, 1)
        self._row(form, "S&eed:", seed_row, buddy=self.seed_spin)
        form.addRow("", self.prompt_extend)
        form.addRow("", self.watermark)
        form.addRow("", self.sound)
        self._row(form, "S&hot type:", self.shot_combo)
        self._row(form, "E&ffect:", self.template_combo)
        self._row(form, "&Variations:", self.variations)

        media = QVBoxLayout()
        media.addWidget(self.first_zone)
        media.addWidget(self.last_zone)
        self.audio_row = self._labelled("&Audio:", self.audio_picker, self.audio_picker.edit)
        self.clip_row = self._labelled("Continue c&lip:", self.clip_picker, self.clip_picker.edit)
        media.addWidget(self.audio_row)
        media.addWidget(self.clip_row)
        media.addStretch(1)

        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.cost_label)
        right.addWidget(self.problems_label)
        right.addWidget(self.generate_button, 0, Qt.AlignmentFlag.AlignRight)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(media, 1)
        layout.addLayout(right, 1)

    @staticmethod
    def _row(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(buddy or field)
        form.addRow(label, field)

    @staticmethod
    def _labelled(text: str, field: QWidget, buddy: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(text)
        label.setBuddy(buddy)
        layout.addWidget(label)
        layout.addWidget(field, 1)
        return row

    def _connect(self) -> None:
        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_changed())
        self.prompt_edit.textChanged.connect(self._update_counts)
        self.negative_edit.textChanged.connect(self._update_counts)
        self.random_seed.toggled.connect(lambda random: self.seed_spin.setEnabled(not random))
        for signal in (self.resolution_combo.currentIndexChanged, self.duration_combo.currentIndexChanged,
                       self.variations.valueChanged, self.sound.toggled, self.first_zone.changed,
                       self.last_zone.changed, self.clip_picker.changed, self.template_combo.currentIndexChanged):
            signal.connect(lambda *_: self._update_cost())  # fmt: skip
        for zone in (self.first_zone, self.last_zone):
            zone.changed.connect(self._update_generate_enabled)
        self.prompt_extend.toggled.connect(lambda on: self.shot_combo.setEnabled(on and self.spec().shot_type))
        self.generate_button.clicked.connect(self.generate)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            self._shortcut(QKeySequence(keys), self, self.generate)
        self._shortcut(QKeySequence.StandardKey.Paste, self.first_zone, self.paste)
        self._shortcut(QKeySequence.StandardKey.Paste, self.last_zone, lambda: self.paste(self.last_zone))
        self._calls.busy_changed.connect(lambda _busy: self._update_generate_enabled())
        theme.follow_system_scheme(self._update_counts)

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
        region = self.region()
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        items: QStandardItemModel = self.model_combo.model()  # type: ignore[assignment]
        first_offered = None
        for spec in MODELS.values():
            offered = spec.offered_in(region)
            text = f"{spec.label} — {spec.description}"
            if not offered:
                text += f" (not offered in {REGIONS[region].label})"
            self.model_combo.addItem(text, spec.key)
            item = items.item(self.model_combo.count() - 1)
            item.setEnabled(offered)
            reason = "" if offered else f"Not offered in {REGIONS[region].label}. "
            item.setToolTip(f"{reason}Offered in: {region_offers(spec)}")
            if offered and first_offered is None:
                first_offered = spec.key
        wanted = current if current and MODELS[current].offered_in(region) else first_offered
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(wanted)))
        self.model_combo.blockSignals(False)
        self._model_changed()

    def spec(self) -> ModelSpec:
        return MODELS[self.model_combo.currentData() or next(iter(MODELS))]

    def select_model(self, key: str) -> None:
        index = self.model_combo.findData(key)
        if index < 0:
            raise KeyError(f"unknown model {key!r}")
        self.model_combo.setCurrentIndex(index)

    def _model_changed(self) -> None:
        spec, region = self.spec(), self.region()
        self.model_info.setText(f"Offered in {region_offers(spec)}.{self._price_hint(spec, region)}")
        self._fill(self.resolution_combo, [(r, r) for r in spec.resolutions], spec.default_resolution)
        durations = spec.allowed_durations(region)
        default = spec.default_duration if spec.default_duration in durations else durations[0]
        self._fill(self.duration_combo, [(f"{d} s", d) for d in durations], default)
        self.resolution_combo.setEnabled(len(spec.resolutions) > 1)
        self.duration_combo.setEnabled(len(durations) > 1)
        switchable = spec.audio_mode is AudioMode.SWITCHABLE
        self.sound.setVisible(switchable)
        self.sound.setEnabled(switchable)
        self._set_row_visible(self.shot_combo, spec.shot_type)
        self.shot_combo.setEnabled(spec.shot_type and self.prompt_extend.isChecked())
        self._set_row_visible(self.template_combo, spec.has_templates)
        self._fill(self.template_combo, [("None", None)] + [(t, t) for t in spec.templates], None)
        self.template_combo.setEnabled(spec.has_templates)
        self.last_zone.setVisible(spec.takes_last_frame)
        takes_audio = spec.audio_mode is AudioMode.DRIVING or spec.accepts_audio_url
        self.audio_row.setVisible(takes_audio)
        self.audio_picker.setEnabled(takes_audio)
        self.clip_row.setVisible(spec.takes_first_clip)
        self.clip_picker.setEnabled(spec.takes_first_clip)
        for zone in (self.first_zone, self.last_zone):
            zone.set_limits(spec.image_limits, spec.label)
        self._update_counts()
        self._update_cost()
        self._show_problems([])
        self.model_changed.emit(spec.key)

    @staticmethod
    def _price_hint(spec: ModelSpec, region: Region) -> str:
        currency = REGIONS[region].currency
        prices = [p.per_second for p in spec.prices if p.currency is currency]
        if not prices:
            return f" No {currency.value} price is known for it."
        return f" From {currency.value} {min(prices):g} per second of video."

    def _set_row_visible(self, field: QWidget, visible: bool) -> None:
        self._form.setRowVisible(field, visible)

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, object]], default: object) -> None:
        previous = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for text, value in items:
            combo.addItem(text, value)
        keep = combo.findData(previous) if previous is not None else -1
        combo.setCurrentIndex(keep if keep >= 0 else max(0, combo.findData(default)))
        combo.blockSignals(False)

    # -- live feedback ----------------------------------------------------------------------------------
    def _update_counts(self) -> None:
        spec = self.spec()
        self._count(self.prompt_count, len(self.prompt_edit.toPlainText()), spec.prompt_max)
        self._count(self.negative_count, len(self.negative_edit.toPlainText()), spec.negative_prompt_max)

    @staticmethod
    def _count(label: QLabel, used: int, limit: int) -> None:
        over = used > limit
        label.setText(f"{used} / {limit} characters" + (f" — {used - limit} too many" if over else ""))
        label.setStyleSheet(f"color: {theme.css_colour('error' if over else 'muted')}")
        label.setProperty("over_limit", over)

    def image_count(self) -> int:
        return max(1, len(self.first_zone.references()))

    def batch_size(self) -> int:
        return self.image_count() * self.variations.value()

    def _update_cost(self) -> None:
        region = self.region()
        one = cost.estimate(self._request_for(self._first_reference(), seed=None), region)
        batch = cost.total([one] * self.batch_size())
        if one.amount is None:
            text = f"Estimated cost: {cost.PRICE_UNKNOWN} for this model and region."
        else:
            rate = f"{one.per_second:g} {one.currency.value}/s × {one.seconds} s"
            text = f"Estimated cost: {one.text()} per video ({rate})"
            if self.batch_size() > 1:
                text += f"; {self.batch_size()} videos: {batch.text()}"
            text += "."
            if one.note:
                text += f"\n{one.note.capitalize()}. Only successful videos are charged."
        self.cost_label.setText(text)
        self._batch_estimate = batch
        self._one_estimate = one

    def estimated(self) -> tuple[cost.CostEstimate, cost.CostEstimate]:
        """(per video, whole batch), as shown."""
        return self._one_estimate, self._batch_estimate

    def _update_generate_enabled(self) -> None:
        busy = self.first_zone.busy or self.last_zone.busy or self._validation_token is not None
        self.generate_button.setEnabled(not busy)
        self.generate_button.setText("Checking…" if busy else "&Generate")

    # -- requests ------------------------------------------------------------------------------------------
    def _first_reference(self) -> str | None:
        refs = self.first_zone.references()
        return refs[0] if refs else None

    def _request_for(self, first_frame: str | None, seed: int | None) -> GenerationRequest:
        spec = self.spec()
        switchable = spec.audio_mode is AudioMode.SWITCHABLE
        takes_audio = spec.audio_mode is AudioMode.DRIVING or spec.accepts_audio_url
        last = self.last_zone.references()
        return GenerationRequest(
            model=spec.key,
            first_frame=first_frame,
            prompt=self.prompt_edit.toPlainText().strip(),
            negative_prompt=self.negative_edit.toPlainText().strip(),
            last_frame=last[0] if last and spec.takes_last_frame else None,
            audio=self.audio_picker.reference() if takes_audio else None,
            first_clip=self.clip_picker.reference() if spec.takes_first_clip else None,
            resolution=self.resolution_combo.currentData(),
            duration=self.duration_combo.currentData(),
            seed=seed,
            prompt_extend=self.prompt_extend.isChecked(),
            watermark=self.watermark.isChecked(),
            audio_enabled=self.sound.isChecked() if switchable else None,
            shot_type=self._shot_type(spec),
            template=self.template_combo.currentData() if spec.has_templates else None,
        )

    def _shot_type(self, spec: ModelSpec) -> ShotType | None:
        # The service honours shot_type only with prompt rewriting on; otherwise it is not sent.
        if not spec.shot_type or not self.prompt_extend.isChecked():
            return None
        return ShotType(self.shot_combo.currentData())

    def build_requests(self) -> list[GenerationRequest]:
        """One request per first-frame image × variation; random seeds are distinct within the batch."""
        frames: list[str | None] = self.first_zone.references() or [None]
        count = len(frames) * self.variations.value()
        if self.random_seed.isChecked():
            seeds: list[int] = []
            while len(seeds) < count:
                seed = random_source.randbelow(SEED_MAX + 1)
                if seed not in seeds:
                    seeds.append(seed)
        else:
            base = self.seed_spin.value()
            # The same seed twice would pay for the same video twice; variations take the next seeds.
            seeds = [(base + i) % (SEED_MAX + 1) for i in range(self.variations.value())] * len(frames)
        requests = []
        for i, frame in enumerate(frames):
            for v in range(self.variations.value()):
                requests.append(self._request_for(frame, seeds[i * self.variations.value() + v]))
        return requests

    def _local_problems(self) -> list[str]:
        """What the form knows before the core's check: images still being checked or not yet fixed."""
        problems = []
        for zone in (self.first_zone, self.last_zone):
            if zone is self.last_zone and not self.spec().takes_last_frame:
                continue
            for entry in zone.entries():
                if not entry.usable and entry.report is not None:
                    hint = " Press Fix to correct it." if entry.fixable else ""
                    problems.append(f"{zone.what} '{entry.name}': {entry.report.summary}{hint}")
        return problems

    def generate(self) -> None:
        """Check the requests off the GUI thread; emit ``generate_requested`` only when all are fine."""
        if self._validation_token is not None or self.first_zone.busy or self.last_zone.busy:
            return
        requests = self.build_requests()
        local = self._local_problems()
        region = self.region()

        def check() -> _Validated:
            problems: list[str] = []
            for request in requests:
                for problem in validate_request(request, region):
                    text = problem_text(problem)
                    if text not in problems:
                        problems.append(text)
            return _Validated(tuple(requests), tuple(problems))

        self._validation_token = self._calls.run(check, self._validated, self._validation_failed)
        self._pending_local = local
        self._update_generate_enabled()

    def _validated(self, result: _Validated) -> None:
        self._validation_token = None
        self._update_generate_enabled()
        problems = self._pending_local + [p for p in result.problems if not self._covered(p)]
        self._show_problems(problems)
        if not problems:
            self.generate_requested.emit(list(result.requests))

    def _covered(self, problem: str) -> bool:
        # An image problem already explained by the image check (with its Fix hint) is not repeated.
        return bool(self._pending_local) and problem.startswith(("First frame:", "Last frame:"))

    def _validation_failed(self, error: Exception) -> None:
        self._validation_token = None
        self._update_generate_enabled()
        self._show_problems([f"The request could not be checked: {error}"])

    def _show_problems(self, problems: list[str]) -> None:
        self.problems_label.setVisible(bool(problems))
        self.problems_label.setText(
            f"<span style='color:{theme.css_colour('error')}'>"
            + "<br>".join("• " + html.escape(p) for p in problems) + "</span>"
        )  # fmt: skip
        self._problems = list(problems)

    def problems(self) -> list[str]:
        """The problems shown next to the form, as plain sentences."""
        return list(getattr(self, "_problems", []))

    # -- paste and remix -------------------------------------------------------------------------------------
    def paste(self, zone: DropZone | None = None) -> None:
        (zone or self.first_zone).add_mime(QGuiApplication.clipboard().mimeData())

    def load_request(self, request: GenerationRequest) -> None:
        """Fill the form from an earlier request (remix); the seed is kept fixed so it can be repeated."""
        if self.model_combo.findData(request.model) >= 0:
            self.select_model(request.model)
        spec = self.spec()
        self.prompt_edit.setPlainText(request.prompt)
        self.negative_edit.setPlainText(request.negative_prompt)
        self._select(self.resolution_combo, request.resolution or spec.default_resolution)
        self._select(self.duration_combo, request.duration or spec.default_duration)
        self.random_seed.setChecked(request.seed is None)
        if request.seed is not None:
            self.seed_spin.setValue(request.seed)
        self.prompt_extend.setChecked(request.prompt_extend)
        self.watermark.setChecked(request.watermark)
        self.sound.setChecked(request.audio_enabled is not False)
        if request.shot_type is not None:
            self._select(self.shot_combo, request.shot_type.value)
        self._select(self.template_combo, request.template)
        self.audio_picker.edit.setText(request.audio or "")
        self.clip_picker.edit.setText(request.first_clip or "")
        self.variations.setValue(1)
        self.first_zone.set_references([request.first_frame] if request.first_frame else [])
        self.last_zone.set_references([request.last_frame] if request.last_frame else [])
        self._update_cost()

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    # -- teardown ------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Wait for image checks and fixes still running; call before the widget goes away."""
        if self._closed:
            return
        self._closed = True
        self._calls.shutdown()
        self._thumbs.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
