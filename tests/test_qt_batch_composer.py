"""The composer's preset picker (one click applies; differences shown) and prompt-history completion."""

from __future__ import annotations

import pytest

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.presets import PresetBook
from wan_desktop.core.prompt_history import PromptHistory
from wan_desktop.qt.composer import Composer


@pytest.fixture
def composer(qtbot, tmp_path):
    widget = Composer(lambda: Region.SINGAPORE, tmp_path / "scratch", home=tmp_path / "home")
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.presets.presets_loaded, timeout=10000):
        pass
    yield widget
    widget.shutdown()


def test_a_preset_applies_in_one_click_and_keeps_the_prompt(composer):
    composer.prompt_edit.setPlainText("a fox in snow")
    composer.presets.apply("Final 1080P")
    assert composer.spec().key == "wan2.6-i2v"
    assert composer.resolution_combo.currentData() == "1080P" and composer.duration_combo.currentData() == 10
    assert composer.prompt_edit.toPlainText() == "a fox in snow"
    assert composer.presets.status.text() == "Matches “Final 1080P”"


def test_the_composer_shows_where_it_differs_from_the_preset(composer):
    composer.presets.apply("Final 1080P")
    composer.resolution_combo.setCurrentIndex(composer.resolution_combo.findData("720P"))
    assert composer.presets.differences() == ("resolution",)
    assert composer.presets.status.text() == "Differs from “Final 1080P”: resolution"


def test_save_as_preset_writes_a_file_off_the_gui_thread(qtbot, composer, tmp_path):
    composer.select_model("wan2.2-i2v-plus")
    composer.resolution_combo.setCurrentIndex(composer.resolution_combo.findData("480P"))
    with qtbot.waitSignal(composer.presets.presets_loaded, timeout=10000):
        composer.presets.save_as("My draft")
    saved = PresetBook(tmp_path / "home").get("My draft")
    assert saved.model == "wan2.2-i2v-plus" and saved.resolution == "480P"
    assert composer.presets.chosen().name == "My draft"


def test_prompt_history_is_offered_as_completion(qtbot, composer, tmp_path):
    PromptHistory(tmp_path / "home").remember(["a fox running in snow", "a cat on a roof", "a fox at dusk"])
    composer.prompt_edit.setFocus()
    with qtbot.waitSignal(composer.completer.suggestions_ready, timeout=10000) as ready:
        composer.prompt_edit.setPlainText("fox")
    assert set(ready.args[0]) == {"a fox running in snow", "a fox at dusk"}
    composer.completer.insert("a fox at dusk")
    assert composer.prompt_edit.toPlainText() == "a fox at dusk"


def test_clearing_the_history(qtbot, composer, tmp_path):
    PromptHistory(tmp_path / "home").remember(["a fox running in snow"])
    with qtbot.waitSignal(
        composer.presets.changed, timeout=10000, check_params_cb=lambda text: text == "Prompt history cleared"
    ):
        composer.presets.clear_history()
    assert PromptHistory(tmp_path / "home").search() == []


def test_rename_and_a_refusal_in_words(qtbot, composer, tmp_path):
    with qtbot.waitSignal(composer.presets.presets_loaded, timeout=10000):
        composer.presets.save_as("Mine")
    with qtbot.waitSignal(composer.presets.presets_loaded, timeout=10000):
        composer.presets.rename("Mine", "Ours")
    assert composer.presets.chosen().name == "Ours"
    with qtbot.waitSignal(composer.presets.changed, timeout=10000, check_params_cb=lambda t: "exists already" in t):
        composer.presets.rename("Ours", "Quick draft")


def test_pinning_the_prompt_puts_it_first(qtbot, composer, tmp_path):
    history = PromptHistory(tmp_path / "home")
    composer.prompt_edit.setPlainText("an old favourite")
    with qtbot.waitSignal(composer.presets.changed, timeout=10000, check_params_cb=lambda t: t == "Prompt pinned"):
        composer.presets.pin_prompt()
    history.remember(["something newer"])
    assert [(e.text, e.pinned) for e in history.search()] == [("an old favourite", True), ("something newer", False)]
