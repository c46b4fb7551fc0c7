"""The composer, its preset picker and the batch dialog in Simplified Chinese: no English left in what a person
sees, whatever the model; and a Chinese prompt counted as the service counts it (one per character)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests import zh_walk
from tests.test_qt_composer import RegionHolder, clean_clipboard, drop, file_mime, settled  # noqa: F401
from wan_desktop.core import composing, composing_refs
from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, Region
from wan_desktop.qt.batch_dialog import BatchDialog
from wan_desktop.qt.composer import Composer


def picture(path: Path, size=(640, 480)) -> Path:
    Image.new("RGB", size, (200, 30, 30)).save(path)
    return path


# -- words other helpers translate (issue 15): the core's model list, prices, regions, checks and batch verdicts.
# The lead removes these allowances once their translations are merged.
def _from_the_core(composer: Composer) -> tuple[str, ...]:
    region, spec = composer.region(), composer.spec()
    texts = [composing.model_title(s) for s in MODELS.values()]
    texts += [composing.model_info(spec, region), composer.cost_label.text()]
    texts += [composer.duration_combo.itemText(i) for i in range(composer.duration_combo.count())]
    texts += [composer.ratio_combo.itemText(i) for i in range(composer.ratio_combo.count())]
    texts += [name for _ref, name in composing_refs.chip_words(composer.tray.references())]  # "Image 1"
    texts += composer.problems()
    texts += [info.label for info in REGIONS.values()]  # inside the composer's "(not offered in …)"
    return tuple(texts)


URL_SCHEMES = ("https://", "oss://")  # the picker's placeholder names the link kinds; zh_walk has no rule for them


def _codes(composer: Composer) -> tuple[str, ...]:
    """What stays as it is in every language (COMMON.md rule 7): the effect templates are the API's values."""
    return URL_SCHEMES + tuple(composer.spec().templates)


def no_english(composer: Composer) -> list[str]:
    return zh_walk.untranslated(composer, extra_allowed=_from_the_core(composer) + _codes(composer))


@pytest.fixture
def composer(qtbot, qt_chinese, tmp_path):
    widget = Composer(RegionHolder(Region.SINGAPORE), tmp_path / "scratch", home=tmp_path / "home")
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.presets.presets_loaded, timeout=10000):
        pass
    yield widget
    widget.shutdown()


@pytest.mark.parametrize(
    "key", ["wan2.6-i2v-flash", "wan2.6-i2v", "wan2.7-i2v", "wan2.7-r2v", "wanx2.1-i2v-turbo", "wan2.2-kf2v-flash"]
)
def test_the_composer_shows_no_english_for_each_kind_of_model(qtbot, composer, key):
    composer.select_model(key)
    assert composer.generate_button.text() == "生成(&G)"
    assert no_english(composer) == []


def test_a_model_with_audio_and_a_picture_in_chinese(qtbot, composer, tmp_path):
    composer.select_model("wan2.6-i2v-flash")
    assert composer.audio_row.isVisibleTo(composer)
    composer.audio_picker.edit.setText(str(tmp_path / "voice.mp3"))
    drop(composer.first_zone, file_mime(picture(tmp_path / "cat.png")))
    settled(qtbot, composer.first_zone, 1)
    facts = composer.first_zone.preview.facts.text()
    assert "640 × 480 px" in facts and "符合 Wan 2.6 Flash 的要求" in facts
    assert no_english(composer) == []


def test_wan3_with_references_shows_its_rows_and_chips_in_chinese(qtbot, composer, tmp_path):
    composer.select_model("wan3.0-video")
    assert composer.tray.rows["reference_image"].title.text() == "参考图"
    for name in ("a.png", "b.png"):
        composer.tray.add_reference(str(picture(tmp_path / name, (640, 360))))
    qtbot.waitUntil(lambda: not composer.tray.busy and len(composer.tray.references()) == 2)
    assert composer.tray.rows["reference_image"].badge.text() == "2 / 10"
    assert len(composer.tray.chips) == 2
    assert no_english(composer) == []


def test_a_refused_reference_says_why_in_chinese(qtbot, composer, tmp_path):
    composer.select_model("wan3.0-video")
    text = tmp_path / "notes.txt"
    text.write_text("not a picture", encoding="utf-8")
    composer.tray.add_reference(str(text))
    assert composer.problems() == ["notes.txt：Wan 3.0 在这里不接受这种类型的文件。"]


def test_a_preset_is_named_and_compared_in_chinese(composer):
    composer.presets.apply("Final 1080P")
    assert composer.presets.status.text() == "与“成片 1080P”一致"
    composer.resolution_combo.setCurrentIndex(composer.resolution_combo.findData("720P"))
    composer.duration_combo.setCurrentIndex(composer.duration_combo.findData(5))
    assert composer.presets.status.text() == "与“成片 1080P”不同：分辨率、时长"
    assert no_english(composer) == []


def test_a_chinese_prompt_at_the_limit_fits_and_one_more_character_is_too_many(qtbot, composer):
    composer.select_model("wan2.2-i2v-plus")  # reads at most 800 characters
    composer.prompt_edit.setPlainText("猫" * 800)
    assert composer.prompt_count.text() == "800 / 800 个字符" and not composer.prompt_count.property("over_limit")
    composer.prompt_edit.setPlainText("一只猫在屋顶上" * 114 + "跳起来")  # 798 + 3 = 801 characters
    assert composer.prompt_count.text() == "801 / 800 个字符，超出 1 个"
    assert composer.prompt_count.property("over_limit")


def test_the_count_and_the_core_check_agree_on_a_chinese_prompt(qtbot, tmp_path):
    """In English too: each Chinese character is one, in the label and in the check before sending."""
    composer = Composer(RegionHolder(Region.SINGAPORE), tmp_path / "scratch")
    qtbot.addWidget(composer)
    try:
        composer.select_model("wan2.2-i2v-plus")
        composer.prompt_edit.setPlainText("猫" * 800)
        assert composer.prompt_count.text() == "800 / 800 characters"
        composer.generate()
        qtbot.waitUntil(lambda: bool(composer.problems()))
        assert not any(p.startswith("Prompt:") for p in composer.problems())  # only the missing first frame
        composer.prompt_edit.setPlainText("猫" * 801)
        assert composer.prompt_count.text() == "801 / 800 characters — 1 too many"
        composer.generate()
        qtbot.waitUntil(lambda: any(p.startswith("Prompt:") for p in composer.problems()))
        assert any("801 characters" in p for p in composer.problems())
    finally:
        composer.shutdown()


# -- the batch dialog ----------------------------------------------------------------------------------------
@pytest.fixture
def csv_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for n in range(2):
        picture(folder / f"img{n}.png")
    path = folder / "jobs.csv"
    path.write_text(
        "image;prompt;model;resolution\n"
        "img0.png;雪中的狐狸;wan2.2-i2v-plus;480P\n"
        "img1.png;屋顶上的猫;wan2.2-i2v-plus;480P\n"
        "missing.png;走失的狗;wan2.2-i2v-plus;480P\n",
        encoding="utf-8-sig",
    )
    return path


def test_the_batch_dialog_and_its_preview_show_no_english(qtbot, qt_chinese, tmp_path, csv_file):
    dialog = BatchDialog(tmp_path / "home", Region.SINGAPORE)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preset_combo.count() > 1)
    assert dialog.preset_combo.itemText(dialog.preset_combo.findData("Final 1080P")) == "成片 1080P"
    assert no_english_in_dialog(dialog) == []
    dialog.source_edit.setText(str(csv_file))
    with qtbot.waitSignal(dialog.preview_finished, timeout=20000):
        QTest.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 3
    assert dialog.model.headerData(3, Qt.Orientation.Horizontal) == "检查结果"
    total = dialog.total_label.text()
    assert total.startswith("共 3 行，其中 2 行有效；2 个视频，预估 ")
    assert total.endswith("；1 行有问题（见“检查结果”列）")
    assert no_english_in_dialog(dialog) == []


def test_a_batch_without_a_source_says_so_in_chinese(qtbot, qt_chinese, tmp_path):
    dialog = BatchDialog(tmp_path / "home", Region.SINGAPORE)
    qtbot.addWidget(dialog)
    dialog.start_preview()
    assert "请先选择图片文件夹或 CSV/JSONL 文件。" in dialog.total_label.text()


def no_english_in_dialog(dialog: BatchDialog) -> list[str]:
    rows = dialog.model.rows()
    core = [row.verdict for row in rows] + [row.where for row in rows]  # the core's batch words (other helpers)
    core += [row.estimate.text() for row in rows if row.estimate]
    core += [dialog.notes_label.text()]
    return zh_walk.untranslated(dialog, extra_allowed=tuple(text for text in core if text))
