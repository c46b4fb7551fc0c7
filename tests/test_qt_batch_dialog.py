"""The batch dialog: a CSV imported through it shows the preview, and its jobs reach the engine's queue."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.engine_helpers import make_image
from tests.test_qt_main_window import close_windows, open_window, settings_for  # noqa: F401 (fixture)
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.qt.batch_dialog import BatchDialog


@pytest.fixture
def csv_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for n in range(2):
        make_image(folder / f"img{n}.png", size=(640, 480))
    path = folder / "jobs.csv"
    path.write_text(
        "image;prompt;model;resolution\n"
        "img0.png;a fox in snow;wan2.2-i2v-plus;480P\n"
        "img1.png;a cat on a roof;wan2.2-i2v-plus;480P\n"
        "missing.png;a lost dog;wan2.2-i2v-plus;480P\n",
        encoding="utf-8-sig",
    )
    return path


def preview_of(qtbot, dialog: BatchDialog, source) -> None:
    dialog.source_edit.setText(str(source))
    with qtbot.waitSignal(dialog.preview_finished, timeout=20000):
        QTest.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)


def test_preview_shows_rows_verdicts_costs_and_holds_the_queue(qtbot, tmp_path, csv_file):
    dialog = BatchDialog(tmp_path / "home", Region.SINGAPORE)
    qtbot.addWidget(dialog)
    preview_of(qtbot, dialog, csv_file)
    model = dialog.model
    assert model.rowCount() == 3
    assert [model.index(r, 3).data() for r in range(2)] == ["Ready", "Ready"]
    assert model.index(2, 3).data().startswith("Line 4: First frame:")
    assert model.index(0, 4).data().startswith("US$")
    assert model.index(0, 2).data() == "a fox in snow"
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None  # the thumbnail
    assert "2 valid rows of 3" in dialog.total_label.text() and "1 row with problems" in dialog.total_label.text()
    assert not dialog.queue_button.isEnabled()  # one row is bad: nothing is queued behind the person's back
    dialog.only_valid.setChecked(True)
    assert dialog.queue_button.isEnabled()
    with qtbot.waitSignal(dialog.queue_requested) as queued:
        QTest.mouseClick(dialog.queue_button, Qt.MouseButton.LeftButton)
    requests, project = queued.args
    assert [r.prompt for r in requests] == ["a fox in snow", "a cat on a roof"]
    assert project.startswith("batch:")


def test_a_file_that_cannot_be_read_is_a_sentence(qtbot, tmp_path):
    bad = tmp_path / "dup.csv"
    bad.write_text("image,image\na.png,b.png\n")
    dialog = BatchDialog(tmp_path / "home", Region.SINGAPORE)
    qtbot.addWidget(dialog)
    preview_of(qtbot, dialog, bad)
    assert "appears twice" in dialog.total_label.text()
    assert dialog.model.rowCount() == 0 and not dialog.queue_button.isEnabled()


def test_a_template_with_lists_shows_the_product(qtbot, tmp_path, csv_file):
    dialog = BatchDialog(tmp_path / "home", Region.SINGAPORE)
    qtbot.addWidget(dialog)
    dialog.template_edit.setText("{subject} in {place}")
    dialog.lists_edit.setText("subject=a fox|a cat|an owl; place=a forest|a city")
    preview_of(qtbot, dialog, csv_file.parent)
    assert dialog.model.rowCount() == 2 * 6  # two images (the CSV is not an image) x 3 x 2
    assert "3 subjects x 2 places = 6 prompts per row" in dialog.notes_label.text()


def test_csv_through_the_dialog_queues_jobs_in_the_window(qtbot, tmp_path, csv_file, close_windows):  # noqa: F811
    window = open_window(qtbot, tmp_path / "home", settings_for(tmp_path), demo=True)
    close_windows(window)
    with qtbot.waitSignal(window.engine_ready, timeout=20000):
        pass
    from wan_desktop.qt.batch_dialog import open_batch_dialog

    dialog = open_batch_dialog(window)
    preview_of(qtbot, dialog, csv_file)
    dialog.only_valid.setChecked(True)
    QTest.mouseClick(dialog.queue_button, Qt.MouseButton.LeftButton)

    model = window.queue_model

    def queued_jobs():
        return [model.job_at(model.index(row, 0)) for row in range(model.rowCount())]

    qtbot.waitUntil(lambda: len(queued_jobs()) == 2, timeout=20000)
    jobs = queued_jobs()
    assert {job.request.prompt for job in jobs} == {"a fox in snow", "a cat on a roof"}
    assert len({job.project for job in jobs}) == 1 and jobs[0].project.startswith("batch:")
