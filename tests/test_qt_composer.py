"""The composer: every way an image gets in, its checks and fixes (off the GUI thread), model-dependent
controls, the cost shown before Generate, and the requests Generate emits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType
from wan_desktop.core.images import ImageIssue
from wan_desktop.qt import theme
from wan_desktop.qt.composer import Composer
from wan_desktop.qt.drop_zone import ImageChecker


class RegionHolder:
    def __init__(self, region: Region = Region.SINGAPORE) -> None:
        self.region = region

    def __call__(self) -> Region:
        return self.region


@pytest.fixture(autouse=True)
def clean_clipboard():
    """Empty the clipboard after each test: a QMimeData a test put there is owned by Python, and Qt's clipboard,
    destroyed after the interpreter at exit, would otherwise delete it too and crash the process (exit 139)."""
    yield
    QGuiApplication.clipboard().clear()


@pytest.fixture
def region():
    return RegionHolder()


@pytest.fixture
def composer(qtbot, tmp_path, region):
    widget = Composer(region, tmp_path / "scratch")
    qtbot.addWidget(widget)
    widget.select_model("wan2.6-i2v-flash")
    yield widget
    widget.shutdown()


def picture(path: Path, size=(640, 480), mode="RGB", **save) -> Path:
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(path, **save)
    return path


def exif_rotated(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees to display"
    return picture(path, (640, 480), exif=exif.tobytes())


def drop(zone, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    zone.dropEvent(event)
    return event


def file_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def settled(qtbot, zone, count: int | None = None) -> None:
    qtbot.waitUntil(lambda: not zone.busy and (count is None or len(zone.entries()) == count))


def test_dropping_one_file_shows_its_facts_and_that_it_fits(qtbot, composer, tmp_path):
    path = picture(tmp_path / "cat.png")
    event = drop(composer.first_zone, file_mime(path))
    assert event.isAccepted()
    settled(qtbot, composer.first_zone, 1)
    facts = composer.first_zone.preview.facts.text()
    assert "cat.png" in facts and "640 × 480 px" in facts and "PNG" in facts and "fits Wan 2.6 Flash" in facts
    assert "KB" in facts or "bytes" in facts
    assert not composer.first_zone.preview.problems.isVisibleTo(composer)
    assert composer.first_zone.references() == [str(path)]


def test_dropping_several_files_makes_a_batch_with_one_request_each_times_variations(qtbot, composer, tmp_path):
    paths = [picture(tmp_path / f"p{i}.jpg", format="JPEG") for i in range(3)]
    drop(composer.first_zone, file_mime(*paths))
    settled(qtbot, composer.first_zone, 3)
    assert composer.first_zone.list.isVisibleTo(composer) and composer.first_zone.list.count() == 3
    composer.variations.setValue(2)
    composer.prompt_edit.setPlainText("the cat waves")
    with qtbot.waitSignal(composer.generate_requested) as emitted:
        composer.generate_button.click()
    requests = emitted.args[0]
    assert len(requests) == 6
    assert [r.first_frame for r in requests] == [str(p) for p in paths for _ in range(2)]
    assert len({r.seed for r in requests}) == 6  # random seeds, all different
    first = requests[0]
    assert (first.model, first.prompt, first.resolution, first.duration, first.audio_enabled) == (
        "wan2.6-i2v-flash",
        "the cat waves",
        "1080P",
        5,
        True,
    )
    assert first.shot_type is ShotType.SINGLE
    one, batch = composer.estimated()
    assert batch.amount == pytest.approx(one.amount * 6)
    assert "6 videos" in composer.cost_label.text()


def test_a_fixed_seed_gives_variations_the_following_seeds(qtbot, composer, tmp_path):
    composer.first_zone.browse_selected([picture(tmp_path / "a.png")])
    settled(qtbot, composer.first_zone, 1)
    composer.random_seed.setChecked(False)
    composer.seed_spin.setValue(41)
    composer.variations.setValue(3)
    with qtbot.waitSignal(composer.generate_requested) as emitted:
        composer.generate()
    assert [r.seed for r in emitted.args[0]] == [41, 42, 43]


def test_pasting_image_data_keeps_it_as_a_file_in_the_scratch_folder(qtbot, composer, tmp_path):
    image = QImage(320, 300, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    mime = QMimeData()
    mime.setImageData(image)
    QGuiApplication.clipboard().setMimeData(mime)
    composer.first_zone.setFocus()
    composer.paste()
    settled(qtbot, composer.first_zone, 1)
    reference = Path(composer.first_zone.references()[0])
    assert reference.parent == tmp_path / "scratch" and reference.suffix == ".png"
    assert composer.first_zone.entries()[0].report.ok
    assert "320 × 300 px" in composer.first_zone.preview.facts.text()


def test_a_browser_drag_with_a_web_url_is_kept_as_a_link(qtbot, composer):
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/images/dog.webp")])
    assert drop(composer.first_zone, mime).isAccepted()
    assert composer.first_zone.references() == ["https://example.com/images/dog.webp"]
    assert "Linked image" in composer.first_zone.preview.facts.text()
    with qtbot.waitSignal(composer.generate_requested) as emitted:
        composer.generate()
    assert emitted.args[0][0].first_frame == "https://example.com/images/dog.webp"


def test_a_browser_drag_with_image_data_is_checked_like_a_file(qtbot, composer, tmp_path):
    data = (picture(tmp_path / "web.png", (500, 400))).read_bytes()
    mime = QMimeData()
    mime.setData("image/png", data)
    drop(composer.first_zone, mime)
    settled(qtbot, composer.first_zone, 1)
    assert Path(composer.first_zone.references()[0]).parent == tmp_path / "scratch"


def test_a_file_that_is_not_an_image_says_so_and_changes_nothing(qtbot, composer, tmp_path):
    good = picture(tmp_path / "good.png")
    composer.first_zone.browse_selected([good])
    settled(qtbot, composer.first_zone, 1)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    drop(composer.first_zone, file_mime(notes))
    qtbot.waitUntil(lambda: "notes.txt" in composer.first_zone.status_text())
    assert "is not an image" in composer.first_zone.status_text()
    assert composer.first_zone.references() == [str(good)]  # the picture stays


@pytest.mark.parametrize(
    "make, issue, words, change, blocks",
    [
        (
            lambda d: picture(d / "tiny.png", (100, 100)),
            ImageIssue.TOO_SMALL,
            "at least 240",
            "Enlarged",
            True,
        ),
        (lambda d: picture(d / "wide.png", (8100, 300)), ImageIssue.TOO_LARGE_PIXELS, "8100", "Scaled", True),
        (lambda d: picture(d / "clear.png", mode="RGBA"), ImageIssue.HAS_ALPHA, "transparent", "white", True),
        (
            lambda d: picture(d / "old.bmp", (640, 480), format="TIFF"),
            ImageIssue.UNSUPPORTED_FORMAT,
            "TIFF",
            "Converted",
            True,
        ),
        # The service accepts a stored rotation (the video would come out sideways): advice, not a refusal.
        (lambda d: exif_rotated(d / "turned.jpg"), ImageIssue.EXIF_ROTATED, "sideways", "otat", False),
    ],
)
def test_each_image_problem_is_explained_and_fixed_with_one_click(
    qtbot, composer, tmp_path, make, issue, words, change, blocks
):
    original = make(tmp_path)
    before = original.read_bytes()
    zone = composer.first_zone
    zone.browse_selected([original])
    settled(qtbot, zone, 1)
    entry = zone.entries()[0]
    assert issue in entry.report.issues
    assert words in zone.preview.problem_text()
    assert zone.preview.fix_button.isVisibleTo(composer)

    if blocks:
        with qtbot.assertNotEmitted(composer.generate_requested):
            composer.generate()
            qtbot.waitUntil(lambda: composer.problems_label.isVisibleTo(composer))
        assert "Press Fix" in " ".join(composer.problems())
    else:
        with qtbot.waitSignal(composer.generate_requested):
            composer.generate()

    zone.preview.fix_button.click()
    qtbot.waitUntil(lambda: zone.entries()[0].usable)
    fixed = zone.entries()[0]
    assert Path(fixed.reference).parent == tmp_path / "scratch" and fixed.original == str(original)
    assert any(change in c for c in fixed.changes)
    assert change in zone.preview.changes.text()
    assert not zone.preview.fix_button.isVisibleTo(composer)
    assert original.read_bytes() == before  # the person's file is never touched
    with qtbot.waitSignal(composer.generate_requested) as emitted:
        composer.generate()
    assert emitted.args[0][0].first_frame == fixed.reference


def test_a_fix_that_fails_says_why_and_keeps_the_image(qtbot, tmp_path, region):
    def refuse(path, limits, dest):
        raise ValueError("The picture is damaged and cannot be repaired.")

    composer = Composer(region, tmp_path / "scratch", ImageChecker(fix=refuse))
    qtbot.addWidget(composer)
    try:
        zone = composer.first_zone
        zone.browse_selected([picture(tmp_path / "tiny.png", (100, 100))])
        settled(qtbot, zone, 1)
        zone.preview.fix_button.click()
        qtbot.waitUntil(lambda: "cannot be repaired" in zone.preview.problem_text())
        assert zone.references() == [str(tmp_path / "tiny.png")] and not zone.entries()[0].usable
    finally:
        composer.shutdown()


def test_switching_models_rechecks_the_image_against_the_new_limits(qtbot, composer, tmp_path):
    # 300 px wide fits wan2.6 (240 px minimum) but not the first+last-frame models (360 px minimum).
    composer.first_zone.browse_selected([picture(tmp_path / "small.png", (300, 300))])
    settled(qtbot, composer.first_zone, 1)
    assert composer.first_zone.entries()[0].report.ok
    composer.select_model("wanx2.1-kf2v-plus")
    settled(qtbot, composer.first_zone)
    assert ImageIssue.TOO_SMALL in composer.first_zone.entries()[0].report.issues


def test_controls_follow_the_model(qtbot, composer, region):
    with qtbot.waitSignal(composer.model_changed) as changed:
        composer.select_model("wan2.6-i2v")
    assert changed.args == ["wan2.6-i2v"]
    composer.select_model("wan2.6-i2v-flash")
    assert composer.sound.isVisibleTo(composer) and composer.shot_combo.isEnabled()
    assert not composer.last_zone.isVisibleTo(composer) and not composer.clip_row.isVisibleTo(composer)
    assert composer.audio_row.isVisibleTo(composer)
    assert [composer.duration_combo.itemData(i) for i in range(composer.duration_combo.count())] == list(range(2, 16))
    composer.prompt_extend.setChecked(False)
    assert not composer.shot_combo.isEnabled()  # shot type works only with prompt rewriting

    composer.select_model("wan2.7-i2v")
    assert composer.last_zone.isVisibleTo(composer) and composer.clip_row.isVisibleTo(composer)
    assert composer.audio_row.isVisibleTo(composer)
    assert not composer.sound.isVisibleTo(composer) and not composer.shot_combo.isVisibleTo(composer)
    resolutions = [composer.resolution_combo.itemText(i) for i in range(composer.resolution_combo.count())]
    assert resolutions == ["720P", "1080P"]

    composer.select_model("wanx2.1-i2v-turbo")
    assert composer.template_combo.isVisibleTo(composer) and composer.template_combo.isEnabled()
    assert "squish" in [composer.template_combo.itemData(i) for i in range(composer.template_combo.count())]
    assert not composer.audio_row.isVisibleTo(composer) and not composer.last_zone.isVisibleTo(composer)
    assert [composer.duration_combo.itemData(i) for i in range(composer.duration_combo.count())] == [3, 4, 5]

    composer.select_model("wanx2.1-i2v-plus")
    assert not composer.resolution_combo.isEnabled() and not composer.duration_combo.isEnabled()

    composer.select_model("wanx2.1-kf2v-plus")
    assert composer.last_zone.isVisibleTo(composer) and not composer.clip_row.isVisibleTo(composer)


def test_durations_and_models_depend_on_the_region(composer, region):
    region.region = Region.VIRGINIA
    composer.refresh_region()
    items = composer.model_combo.model()
    enabled = {composer.model_combo.itemData(i): items.item(i).isEnabled() for i in range(composer.model_combo.count())}
    assert enabled["wan2.6-i2v"] and enabled["wan2.6-i2v-us"] and not enabled["wan2.7-i2v"]
    assert "not offered in US (Virginia)" in composer.model_combo.itemText(composer.model_combo.findData("wan2.7-i2v"))
    composer.select_model("wan2.6-i2v")
    assert [composer.duration_combo.itemData(i) for i in range(composer.duration_combo.count())] == [
        5,
        10,
        15,
    ]
    assert "Offered in China (Beijing), Singapore, US (Virginia), Germany (Frankfurt)" in composer.model_info.text()
    assert "From US$0.10 per second" in composer.model_info.text()


def test_prompt_counts_turn_red_past_the_limit_and_block_generate(qtbot, composer):
    composer.select_model("wan2.2-i2v-plus")
    composer.prompt_edit.setPlainText("x" * 801)
    assert composer.prompt_count.text().startswith("801 / 800") and composer.prompt_count.property("over_limit")
    assert theme.css_colour("error") in composer.prompt_count.styleSheet()
    composer.negative_edit.setPlainText("n" * 20)
    assert composer.negative_count.text() == "20 / 500 characters"
    with qtbot.assertNotEmitted(composer.generate_requested):
        composer.generate()
        qtbot.waitUntil(lambda: bool(composer.problems()))
    text = " ".join(composer.problems())
    assert "Prompt: Wan 2.2 Plus reads at most 800 characters" in text
    assert "First frame: Wan 2.2 Plus needs a first-frame image" in text


def test_the_cost_line_dates_its_prices_for_people(composer):
    composer.select_model("wan2.6-i2v-flash")
    text = composer.cost_label.text()
    assert "Prices as of November 2026." in text  # was "price as of 2026-11 (contract section 8)"
    assert "contract" not in text and "Only successful videos are charged." in text


def test_cost_is_shown_for_the_region_and_model(composer, region):
    composer.select_model("wan2.6-i2v-flash")
    composer.resolution_combo.setCurrentText("720P")
    assert "US$0.25 per video" in composer.cost_label.text()
    composer.sound.setChecked(False)
    assert "US$0.125 per video" in composer.cost_label.text()
    region.region = Region.BEIJING
    composer.refresh_region()
    composer.select_model("wan2.2-i2v-flash")
    assert "CN¥1.00 per video" in composer.cost_label.text()  # 720P default, 0.20 CNY/s × 5 s
    region.region = Region.SINGAPORE
    composer.refresh_region()
    composer.select_model("wanx2.1-i2v-plus")
    composer.variations.setValue(4)
    assert "US$0.50 per video" in composer.cost_label.text() and "4 videos: US$2.00" in composer.cost_label.text()


def test_ctrl_enter_generates(qtbot, composer):
    composer.first_zone.add_urls(["https://example.com/a.png"])
    with qtbot.waitActive(composer):
        composer.show()
        composer.activateWindow()
    composer.prompt_edit.setFocus()
    with qtbot.waitSignal(composer.generate_requested):
        qtbot.keyClick(composer.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_load_request_fills_the_form(qtbot, composer, tmp_path):
    last = picture(tmp_path / "end.png")
    request = GenerationRequest(
        "wan2.7-i2v",
        "https://example.com/start.png",
        prompt="walk",
        negative_prompt="blur",
        last_frame=last.as_uri(),
        audio="https://example.com/a.mp3",
        resolution="720P",
        duration=9,
        seed=77,
        prompt_extend=False,
        watermark=True,
    )
    composer.load_request(request)
    settled(qtbot, composer.last_zone, 1)
    assert composer.spec().key == "wan2.7-i2v"
    assert composer.duration_combo.currentData() == 9 and composer.resolution_combo.currentData() == "720P"
    assert not composer.random_seed.isChecked() and composer.seed_spin.value() == 77
    with qtbot.waitSignal(composer.generate_requested) as emitted:
        composer.generate()
    assert emitted.args[0] == [replace(request, last_frame=str(last))]  # a file:// URL comes back as a path


def test_every_control_has_an_accessible_name_and_a_unique_mnemonic(composer):
    for key in ("wan2.7-i2v", "wanx2.1-i2v-turbo", "wan2.6-i2v-flash", "wanx2.1-kf2v-plus"):
        composer.select_model(key)
        assert theme.unnamed_controls(composer) == []
        assert theme.mnemonic_clashes(composer) == {}


def test_ctrl_v_pastes_into_the_zone_that_has_focus(qtbot, composer, tmp_path):
    composer.select_model("wan2.7-i2v")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture(tmp_path / "end.png")))])
    QGuiApplication.clipboard().setMimeData(mime)
    with qtbot.waitActive(composer):
        composer.show()
        composer.activateWindow()
    composer.last_zone.setFocus()
    qtbot.keyClick(composer.last_zone, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    settled(qtbot, composer.last_zone, 1)
    assert composer.last_zone.references() == [str(tmp_path / "end.png")]
    assert composer.first_zone.references() == []


def test_wan27_can_continue_a_clip_without_a_first_frame(qtbot, composer):
    composer.select_model("wan2.7-i2v")
    composer.clip_picker.edit.setText("https://example.com/clip.mp4")
    composer.duration_combo.setCurrentIndex(composer.duration_combo.findData(12))
    assert "total length" in composer.cost_label.text()
    with qtbot.waitSignal(composer.generate_requested) as emitted:
        composer.generate()
    [request] = emitted.args[0]
    assert (request.first_frame, request.first_clip, request.duration) == (
        None,
        "https://example.com/clip.mp4",
        12,
    )


def test_a_clip_and_a_first_frame_together_are_refused_in_words(qtbot, composer):
    composer.select_model("wan2.7-i2v")
    composer.first_zone.add_urls(["https://example.com/a.png"])
    composer.clip_picker.edit.setText("https://example.com/clip.mp4")
    with qtbot.assertNotEmitted(composer.generate_requested):
        composer.generate()
        qtbot.waitUntil(lambda: bool(composer.problems()))
    assert composer.problems()[0].startswith("Inputs: Wan 2.7 takes a first-frame image")


def test_colours_follow_the_system_scheme_or_the_palette(qtbot):
    from PySide6.QtGui import QColor, QPalette

    hints = QGuiApplication.styleHints()
    hints.setColorScheme(Qt.ColorScheme.Dark)
    scheme_settable = hints.colorScheme() is Qt.ColorScheme.Dark
    hints.unsetColorScheme()
    original = QGuiApplication.palette()
    try:
        for dark in (True, False):
            if scheme_settable:
                hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
            else:  # platforms that report no scheme (offscreen): the palette decides
                palette = QPalette(original)
                palette.setColor(QPalette.ColorRole.Window, QColor("#202124" if dark else "#f8f9fa"))
                QGuiApplication.setPalette(palette)
            assert theme.is_dark() is dark
            assert (theme.colours().error.lightness() > 128) is dark  # light red on dark, dark red on light
    finally:
        hints.unsetColorScheme()
        QGuiApplication.setPalette(original)
