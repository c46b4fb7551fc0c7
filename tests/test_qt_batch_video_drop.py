"""A finished video of ours dropped on the window: the composer offers its settings, the library imports it."""

from __future__ import annotations

from tests.test_batch_media_tags import done_job
from tests.test_media import encode_video
from tests.test_qt_main_window import close_windows, open_window, settings_for  # noqa: F401 (fixture)
from wan_desktop.core import media_tags
from wan_desktop.core.jobs import JobState
from wan_desktop.core.library import Library
from wan_desktop.qt.self_test import drop_files


def tagged_video(tmp_path):
    library = Library(tmp_path / "made-elsewhere")
    library.root.mkdir(parents=True)
    video = encode_video(library.root / "shared.mp4", seconds=1.0)
    job = done_job(library)
    assert media_tags.write_settings(video, job, library)
    return video, job


def offered(qtbot, tmp_path, close_later):
    """A demo window with a video of ours dropped on its composer, once the offer to use its settings shows."""
    window = open_window(qtbot, tmp_path / "home", settings_for(tmp_path), demo=True)
    close_later(window)
    video, job = tagged_video(tmp_path)
    assert drop_files(window.composer.first_zone, [video]) is None
    drops = window.video_drops
    qtbot.waitUntil(lambda: drops.box is not None and drops.box.isVisible(), timeout=10000)
    return window, drops, job


def test_a_video_dropped_on_the_composer_offers_its_settings(qtbot, tmp_path, close_windows):  # noqa: F811
    window, drops, job = offered(qtbot, tmp_path, close_windows)
    use = next(b for b in drops.box.buttons() if b.text() == "Use these settings")
    use.click()
    composer = window.composer
    assert composer.spec().key == job.request.model
    assert composer.prompt_edit.toPlainText() == job.request.prompt
    assert composer.seed_spin.value() == 42 and not composer.random_seed.isChecked()
    assert composer.first_zone.references() == []  # the picture was on another machine


def test_a_video_not_ours_is_a_notice(qtbot, tmp_path, close_windows):  # noqa: F811
    window = open_window(qtbot, tmp_path / "home", settings_for(tmp_path), demo=True)
    close_windows(window)
    plain = encode_video(tmp_path / "plain.mp4", seconds=0.5)
    with qtbot.waitSignal(window.video_drops.notice, timeout=10000) as notice:
        assert drop_files(window.composer.first_zone, [plain]) is None
    assert "carries no Wan Desktop settings" in notice.args[0]
    assert window.video_drops.box is None  # nothing to offer


def test_a_video_dropped_on_the_library_is_imported(qtbot, tmp_path, close_windows):  # noqa: F811
    window = open_window(qtbot, tmp_path / "home", settings_for(tmp_path), demo=True)
    close_windows(window)
    with qtbot.waitSignal(window.engine_ready, timeout=20000):
        pass
    video, job = tagged_video(tmp_path)
    with (
        qtbot.waitSignal(window.video_drops.imported, timeout=20000) as imported,
        qtbot.waitSignal(
            window.engine.replied, timeout=20000, check_params_cb=lambda r: r.request == "import"
        ) as reply,
    ):
        assert drop_files(window._library_host, [video]) is None
    assert reply.args[0].ok and "Imported 1 job" in reply.args[0].message
    (restored,) = imported.args[0]
    assert restored.id == job.id and restored.state is JobState.DONE
    root = window.library_root()
    assert (root / restored.video_path).is_file() and video.is_file()  # copied in; the original stays


def test_the_offer_to_use_a_videos_settings_is_in_chinese(qtbot, qt_chinese, tmp_path, close_windows):  # noqa: F811
    from tests import zh_walk

    _window, drops, job = offered(qtbot, tmp_path, close_windows)
    assert drops.box.windowTitle() == "使用这些设置？"
    assert drops.box.text() == f"“shared.mp4”由 {job.request.model} 生成。要把它的设置填入生成面板吗？"
    assert drops.box.informativeText() == f"提示词：{job.request.prompt}\n种子：42"
    assert zh_walk.untranslated(drops.box, extra_allowed=(job.request.prompt,)) == []  # the prompt is the person's
    with qtbot.waitSignal(drops.notice, timeout=10000) as notice:
        next(b for b in drops.box.buttons() if b.text() == "使用这些设置").click()
    assert notice.args[0] == "视频的设置已填入生成面板；添加一张图片即可生成新视频。"
