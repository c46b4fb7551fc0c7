"""The composer's option form: model, prompts, resolution, duration, seed, switches, shot type, effect and
variations. It shows only what the chosen model takes and limits every option to the allowed values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from wan_desktop.core import composing
from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, AudioMode, ModelSpec, Region
from wan_desktop.core.dashscope.requests import SEED_MAX
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType
from wan_desktop.core.i18n import _, format_number

from . import theme


class FormValues(TypedDict):
    """The options form's part of ``composing.Choices`` (typed, so the composer's ``Choices(**...)`` is checked)."""

    model: str
    prompt: str
    negative_prompt: str
    resolution: str | None
    duration: int | None
    ratio: str | None
    random_seed: bool
    seed: int
    variations: int
    prompt_extend: bool
    watermark: bool
    sound: bool
    shot_type: ShotType | None
    template: str | None


def labelled_row(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> None:
    label = QLabel(text)
    label.setBuddy(buddy or field)
    form.addRow(label, field)


def fill_combo(combo: QComboBox, items: Sequence[tuple[str, object]], default: object) -> None:
    """Replace the items, keeping the current value when it is still offered."""
    previous = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, value in items:
        combo.addItem(text, value)
    keep = combo.findData(previous) if previous is not None else -1
    combo.setCurrentIndex(keep if keep >= 0 else max(0, combo.findData(default)))
    combo.blockSignals(False)


def select_data(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def _prompt_box(placeholder: str, lines: int, name: str, description: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    # as tall as ``lines`` lines of its font (Chinese lines are taller than Latin ones), never a pixel count
    margins = 2 * (edit.frameWidth() + round(edit.document().documentMargin()))
    edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * lines + margins)
    theme.name(edit, name, description)
    return edit


def _count_label(name: str) -> QLabel:
    label = QLabel()
    label.setAccessibleName(name)
    return label


def _check(text: str, name: str, description: str = "", checked: bool = False) -> QCheckBox:
    box = QCheckBox(text)
    box.setChecked(checked)
    theme.name(box, name, description)
    return box


class OptionsForm(QWidget):
    model_chosen = Signal()  # the model combo moved; the owner re-applies the model
    changed = Signal()  # an option that changes the price changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_prompts()
        self._build_options()
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._lay_out()
        self._connect()

    # -- construction ------------------------------------------------------------------------------------
    def _build_prompts(self) -> None:
        self.model_combo = QComboBox()
        # items carry a description; sized to the longest one the window would not fit a laptop screen
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(24)
        theme.name(self.model_combo, _("Model"), _("Which Wan model makes the video"))
        self.model_info = QLabel()
        self.model_info.setWordWrap(True)
        self.prompt_edit = _prompt_box(
            _("Describe the motion: what moves, how the camera moves, the mood…"),
            10,
            _("Prompt"),
            _("What should happen in the video"),
        )
        self.prompt_count = _count_label(_("Prompt length"))
        self.negative_edit = _prompt_box(
            _("What to avoid (optional)"), 4, _("Negative prompt"), _("What the video should not show")
        )
        self.negative_count = _count_label(_("Negative prompt length"))

    def _build_options(self) -> None:
        self.resolution_combo = QComboBox()
        theme.name(self.resolution_combo, _("Resolution"))
        self.duration_combo = QComboBox()
        theme.name(self.duration_combo, _("Duration"), _("Length of the video in seconds"))
        self.ratio_combo = QComboBox()
        theme.name(self.ratio_combo, _("Aspect ratio"), _("The video's shape; Adaptive follows the input"))
        fixed = _("Untick to repeat a result with a fixed seed")
        self.random_seed = _check(_("&Random seed"), _("Random seed"), fixed, True)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setEnabled(False)
        theme.name(self.seed_spin, _("Seed"), _("Fixed seed; variations use the next numbers"))
        rewriting = _("The service rewrites the prompt with a language model; better results, a little slower")
        improve = _("Let the service &improve the prompt")
        self.prompt_extend = _check(improve, _("Prompt rewriting"), rewriting, True)
        self.watermark = _check(_("&Watermark (an “AI generated” mark in a corner)"), _("Watermark"))
        silent = _("Switch sound off for a silent video at about half the price")
        self.sound = _check(_("&Sound"), _("Sound"), silent, True)
        self.shot_combo = QComboBox()
        # Qt turns a str enum into a plain str on the way in, so the combo holds the value.
        for shot in ShotType:
            self.shot_combo.addItem(composing.shot_words(shot), shot.value)
        theme.name(self.shot_combo, _("Shot type"), _("Works only with prompt rewriting on"))
        self.template_combo = QComboBox()
        theme.name(self.template_combo, _("Effect template"), _("A preset effect; the prompt is then ignored"))
        self.variations = QSpinBox()
        self.variations.setRange(1, composing.MAX_VARIATIONS)
        theme.name(self.variations, _("Variations"), _("How many videos to make from each image"))

    def _lay_out(self) -> None:
        form = self.form
        labelled_row(form, _("&Model:"), self.model_combo)
        form.addRow("", self.model_info)
        labelled_row(form, _("&Prompt:"), self.prompt_edit)
        form.addRow("", self.prompt_count)
        labelled_row(form, _("Nega&tive prompt:"), self.negative_edit)
        form.addRow("", self.negative_count)
        labelled_row(form, _("Resol&ution:"), self.resolution_combo)
        labelled_row(form, _("&Duration:"), self.duration_combo)
        labelled_row(form, _("Rati&o:"), self.ratio_combo)
        seed_row = QWidget()
        seed_layout = QHBoxLayout(seed_row)
        seed_layout.setContentsMargins(0, 0, 0, 0)
        seed_layout.addWidget(self.random_seed)
        seed_layout.addWidget(self.seed_spin, 1)
        labelled_row(form, _("S&eed:"), seed_row, buddy=self.seed_spin)
        form.addRow("", self.prompt_extend)
        form.addRow("", self.watermark)
        form.addRow("", self.sound)
        labelled_row(form, _("S&hot type:"), self.shot_combo)
        labelled_row(form, _("E&ffect:"), self.template_combo)
        labelled_row(form, _("&Variations:"), self.variations)

    def _connect(self) -> None:
        self.model_combo.currentIndexChanged.connect(lambda _i: self.model_chosen.emit())
        self.prompt_edit.textChanged.connect(self.update_counts)
        self.negative_edit.textChanged.connect(self.update_counts)
        self.random_seed.toggled.connect(lambda random: self.seed_spin.setEnabled(not random))
        self.prompt_extend.toggled.connect(self._shot_enabled)
        priced = (
            self.resolution_combo.currentIndexChanged,
            self.duration_combo.currentIndexChanged,
            self.ratio_combo.currentIndexChanged,
            self.variations.valueChanged,
            self.sound.toggled,
            self.template_combo.currentIndexChanged,
        )
        for signal in priced:
            signal.connect(lambda *_: self.changed.emit())
        theme.follow_system_scheme(self.update_counts)

    def _shot_enabled(self, rewriting: bool) -> None:
        self.shot_combo.setEnabled(rewriting and self.spec().shot_type)

    # -- the model -----------------------------------------------------------------------------------------
    def spec(self) -> ModelSpec:
        return MODELS[self.model_combo.currentData() or next(iter(MODELS))]

    def select_model(self, key: str) -> None:
        index = self.model_combo.findData(key)
        if index < 0:
            raise KeyError(f"unknown model {key!r}")
        self.model_combo.setCurrentIndex(index)

    def list_models(self, region: Region) -> None:
        """Every model, those not offered in ``region`` disabled; keeps the current one when it is offered."""
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        items = self.model_combo.model()
        assert isinstance(items, QStandardItemModel)  # a QComboBox's own model; nothing here replaces it
        where = REGIONS[region].label
        for spec in MODELS.values():
            offered = spec.offered_in(region)
            title = composing.model_title(spec)
            if not offered:
                title = _("{model} (not offered in {region})").format(model=title, region=where)
            self.model_combo.addItem(title, spec.key)
            item = items.item(self.model_combo.count() - 1)
            item.setEnabled(offered)
            regions = composing.region_offers(spec)
            if offered:
                item.setToolTip(_("Offered in: {regions}").format(regions=regions))
            else:
                item.setToolTip(
                    _("Not offered in {region}. Offered in: {regions}").format(region=where, regions=regions)
                )
        first_offered = next((spec.key for spec in MODELS.values() if spec.offered_in(region)), None)
        wanted = current if current and MODELS[current].offered_in(region) else first_offered
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(wanted)))
        self.model_combo.blockSignals(False)

    def apply_model(self, region: Region) -> None:
        """Show only what the chosen model takes, each option limited to its allowed values."""
        spec = self.spec()
        self.model_info.setText(composing.model_info(spec, region))
        fill_combo(self.resolution_combo, [(r, r) for r in spec.resolutions], spec.default_resolution)
        durations = spec.allowed_durations(region)
        choices = composing.duration_items(spec, durations)
        offered = [value for _text, value in choices]
        default = spec.default_duration if spec.default_duration in offered else durations[0]
        fill_combo(self.duration_combo, choices, default)
        self.resolution_combo.setEnabled(len(spec.resolutions) > 1)
        self.duration_combo.setEnabled(len(choices) > 1)
        fill_combo(self.ratio_combo, composing.ratio_items(spec), spec.default_ratio)
        self.form.setRowVisible(self.ratio_combo, bool(spec.ratios))
        switchable = spec.audio_mode is AudioMode.SWITCHABLE
        self.sound.setVisible(switchable)
        self.sound.setEnabled(switchable)
        self.form.setRowVisible(self.shot_combo, spec.shot_type)
        self.shot_combo.setEnabled(spec.shot_type and self.prompt_extend.isChecked())
        self.form.setRowVisible(self.template_combo, spec.has_templates)
        fill_combo(self.template_combo, [(_("None"), None)] + [(t, t) for t in spec.templates], None)
        self.template_combo.setEnabled(spec.has_templates)
        self.update_counts()

    # -- live feedback and values --------------------------------------------------------------------------
    def update_counts(self) -> None:
        spec = self.spec()
        self._count(self.prompt_count, len(self.prompt_edit.toPlainText()), spec.prompt_max)
        self._count(self.negative_count, len(self.negative_edit.toPlainText()), spec.negative_prompt_max)

    @staticmethod
    def _count(label: QLabel, used: int, limit: int) -> None:
        # len() counts characters (code points), so a Chinese character is one, as the service and the core's
        # check count them (core.dashscope.requests)
        over = used > limit
        numbers = {"used": format_number(used), "limit": format_number(limit)}
        if over:
            text = _("{used} / {limit} characters — {over} too many").format(
                over=format_number(used - limit), **numbers
            )
        else:
            text = _("{used} / {limit} characters").format(**numbers)
        label.setText(text)
        label.setStyleSheet(f"color: {theme.css_colour('error' if over else 'muted')}")
        label.setProperty("over_limit", over)

    def values(self) -> FormValues:
        """The form's part of ``composing.Choices``."""
        return FormValues(
            model=self.spec().key,
            prompt=self.prompt_edit.toPlainText(),
            negative_prompt=self.negative_edit.toPlainText(),
            resolution=self.resolution_combo.currentData(),
            duration=self.duration_combo.currentData(),
            ratio=self.ratio_combo.currentData() if self.spec().ratios else None,
            random_seed=self.random_seed.isChecked(),
            seed=self.seed_spin.value(),
            variations=self.variations.value(),
            prompt_extend=self.prompt_extend.isChecked(),
            watermark=self.watermark.isChecked(),
            sound=self.sound.isChecked(),
            shot_type=ShotType(self.shot_combo.currentData()),
            template=self.template_combo.currentData(),
        )

    def load(self, request: GenerationRequest) -> None:
        """Fill the options from an earlier request; the seed is kept fixed so it can be repeated."""
        if self.model_combo.findData(request.model) >= 0:
            self.select_model(request.model)
        spec = self.spec()
        self.prompt_edit.setPlainText(request.prompt)
        self.negative_edit.setPlainText(request.negative_prompt)
        select_data(self.resolution_combo, request.resolution or spec.default_resolution)
        select_data(self.duration_combo, request.duration if request.duration is not None else spec.default_duration)
        if request.ratio:
            select_data(self.ratio_combo, request.ratio)
        self.random_seed.setChecked(request.seed is None)
        if request.seed is not None:
            self.seed_spin.setValue(request.seed)
        self.prompt_extend.setChecked(request.prompt_extend)
        self.watermark.setChecked(request.watermark)
        self.sound.setChecked(request.audio_enabled is not False)
        if request.shot_type is not None:
            select_data(self.shot_combo, request.shot_type.value)
        select_data(self.template_combo, request.template)
        self.variations.setValue(1)
