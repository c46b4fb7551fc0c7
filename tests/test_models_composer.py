"""The composer built from the model's roles, on Wan 3.0: frames reach the simulator as the right media array,
references get count badges and prompt chips, a reference next to frames is refused in words, and a model
switch says what it set aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import TEST_KEY
from tests.test_qt_composer import RegionHolder, clean_clipboard, drop, file_mime, settled  # noqa: F401
from wan_desktop.core import composing
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.client import DashScopeClient
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.qt.composer import Composer


@pytest.fixture
def wan3(qtbot, tmp_path):
    widget = Composer(RegionHolder(Region.CUSTOM), tmp_path / "scratch")
    qtbot.addWidget(widget)
    widget.select_model("wan3.0-video")
    yield widget
    widget.shutdown()


def picture(path: Path, colour=(200, 30, 30), size=(640, 360)) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def add_refs(qtbot, composer, *paths: Path) -> None:
    before = len(composer.tray.references())
    for path in paths:
        composer.tray.add_reference(str(path))
    qtbot.waitUntil(lambda: not composer.tray.busy)
    assert len(composer.tray.references()) == before + len(paths), composer.problems()


def test_the_input_area_is_built_from_the_models_roles(wan3):
    assert set(wan3.tray.rows) == {"reference_image", "reference_video", "reference_audio"}
    assert wan3.tray.rows["reference_image"].badge.text() == "0 / 10"
    assert wan3.first_zone.isVisibleTo(wan3) and wan3.last_zone.isVisibleTo(wan3)
    assert wan3.ratio_combo.isVisibleTo(wan3) and wan3.ratio_combo.currentData() == "adaptive"
    assert wan3.duration_combo.itemText(0) == composing.auto_duration_words()
    assert "Newest" in wan3.model_combo.currentText()
    wan3.select_model("wan2.2-i2v-flash")
    assert not wan3.tray.isVisibleTo(wan3) and not wan3.ratio_combo.isVisibleTo(wan3)


def test_first_and_last_frame_reach_the_simulator_as_the_media_array(qtbot, tmp_path, wan3, simulator):
    drop(wan3.first_zone, file_mime(picture(tmp_path / "a.png")))
    settled(qtbot, wan3.first_zone, 1)
    drop(wan3.last_zone, file_mime(picture(tmp_path / "b.png", (30, 200, 30))))
    settled(qtbot, wan3.last_zone, 1)
    wan3.prompt_edit.setPlainText("red to green")
    [request] = wan3.build_requests()
    client = DashScopeClient(TEST_KEY, ServiceEndpoint(simulator.base_url, Region.CUSTOM))
    try:
        created = client.create(client.prepare(request))
    finally:
        client.close()
    [task] = [t for t in simulator.tasks() if t["id"] == created.task_id]
    assert task["media_types"] == ["first_frame", "last_frame"] and task["model"] == "wan3.0-video"


def test_two_reference_images_get_a_badge_and_a_chip_goes_into_the_prompt(qtbot, tmp_path, wan3):
    add_refs(qtbot, wan3, picture(tmp_path / "cat.png"), picture(tmp_path / "dog.png", (10, 10, 200)))
    assert wan3.tray.rows["reference_image"].badge.text() == "2 / 10"
    assert [chip.text() for chip in wan3.tray.chips] == ["Image 1", "Image 2"]
    wan3.prompt_edit.setPlainText("A cat meets")
    cursor = wan3.prompt_edit.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    wan3.prompt_edit.setTextCursor(cursor)
    wan3.tray.chips[1].click()
    assert wan3.prompt_edit.toPlainText() == "A cat meets Image 2 "
    [request] = wan3.build_requests()
    assert [r.role for r in request.references] == ["reference_image", "reference_image"]


def test_a_reference_dropped_while_frames_are_set_is_refused_in_words(qtbot, tmp_path, wan3):
    drop(wan3.first_zone, file_mime(picture(tmp_path / "a.png")))
    settled(qtbot, wan3.first_zone, 1)
    wan3.tray.add_reference(str(picture(tmp_path / "ref.png")))
    qtbot.waitUntil(lambda: bool(wan3.problems()))
    assert "does not mix a first-frame image with a reference image" in wan3.problems()[0]
    assert wan3.tray.references() == ()


def test_a_file_of_the_wrong_type_is_refused_on_drop(qtbot, tmp_path, wan3):
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    wan3.tray.add_reference(str(notes))
    assert "takes no file of this type" in wan3.problems()[0]


def test_switching_models_keeps_what_fits_and_says_what_was_set_aside(qtbot, tmp_path, wan3):
    add_refs(qtbot, wan3, picture(tmp_path / "cat.png"))
    wan3.select_model("wan2.7-r2v")
    assert len(wan3.tray.references()) == 1 and wan3.problems() == []
    wan3.select_model("wan2.6-i2v")
    assert wan3.tray.references() == ()
    assert "Set aside for Wan 2.6" in wan3.problems()[0] and "1 reference image" in wan3.problems()[0]


def test_smart_duration_shows_a_cost_range(wan3):
    wan3.duration_combo.setCurrentIndex(0)  # let the model choose
    one, _batch = wan3.estimated()
    assert one.amount_low is not None and one.amount_low < one.amount
    assert " to " in one.text() and "chooses the length" in wan3.cost_label.text()


def test_reference_audio_is_checked_on_drop_for_its_length_and_the_total(qtbot, tmp_path, wan3):
    from wan_desktop.simulator.testing import wav

    long_one, first, second = tmp_path / "long.wav", tmp_path / "a.wav", tmp_path / "b.wav"
    long_one.write_bytes(wav(20.0))
    first.write_bytes(wav(10.0))
    second.write_bytes(wav(8.0))
    wan3.tray.add_reference(str(long_one))
    qtbot.waitUntil(lambda: not wan3.tray.busy)
    assert "must last 1 to 15 seconds" in wan3.problems()[0] and wan3.tray.references() == ()
    add_refs(qtbot, wan3, first)
    wan3.tray.add_reference(str(second))
    qtbot.waitUntil(lambda: not wan3.tray.busy)
    assert "18.0 s together" in wan3.problems()[0] and "15 s in all" in wan3.problems()[0]
    assert wan3.tray.rows["reference_audio"].badge.text() == "1 / 5"
