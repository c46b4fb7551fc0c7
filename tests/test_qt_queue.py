"""The queue model (checked by qtmodeltester through inserts, updates and removals) and the queue panel's
actions, enabled per job state, with the signals they emit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.qt import theme
from wan_desktop.qt.queue_model import JobQueueModel, JobRole, duration_text
from wan_desktop.qt.queue_panel import QueueAction as JobAction
from wan_desktop.qt.queue_panel import QueuePanel, available_actions, error_details_text, status_line

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def make_job(job_id: str, state: JobState = JobState.QUEUED, **changes) -> Job:
    request = changes.pop("request", None) or GenerationRequest(
        "wan2.6-i2v-flash",
        "https://example.com/cat.png",
        prompt=f"a cat {job_id}",
        resolution="720P",
        duration=5,
    )
    return Job(job_id, request, state, NOW - timedelta(minutes=5), NOW, "ap-southeast-1", **changes)


@pytest.fixture
def model(qtbot):
    model = JobQueueModel(eta_provider=lambda job: 90.0 if job.state is JobState.RUNNING else None, clock=lambda: NOW)
    yield model
    model.shutdown()


def test_model_passes_qtmodeltester_through_inserts_updates_and_removals(qtmodeltester, model):
    qtmodeltester.check(model)
    for i in range(4):
        model.upsert(make_job(f"j{i}"))
    model.upsert(make_job("j1", JobState.RUNNING, submitted_at=NOW - timedelta(minutes=2)))
    model.remove("j0")
    model.remove("no-such-job")  # ignored
    model.upsert(make_job("j4"))
    model.tick()
    qtmodeltester.check(model)
    assert [model.index(r, 0).data(JobRole.JOB_ID) for r in range(model.rowCount())] == [
        "j1",
        "j2",
        "j3",
        "j4",
    ]
    assert model.index_of("j3").row() == 2


def test_upsert_of_a_known_job_changes_its_row_in_place(qtbot, model):
    model.upsert(make_job("a"))
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.upsert(make_job("a", JobState.RUNNING, submitted_at=NOW - timedelta(seconds=70)))
    assert changed.args[0].row() == 0 and model.rowCount() == 1
    index = model.index(0, 0)
    assert index.data(JobRole.STATE_LABEL) == "Generating"
    assert index.data(JobRole.ELAPSED) == 70
    assert index.data(JobRole.ETA) == 90.0
    assert index.data(JobRole.EXPIRES_IN) == pytest.approx(24 * 3600 - 70)
    assert "a cat a" in index.data(Qt.ItemDataRole.DisplayRole)
    assert index.data(JobRole.DETAILS) == "Wan 2.6 Flash · 720P · 5 s"


def test_progress_while_downloading_and_no_countdown_once_done(model):
    model.upsert(
        make_job(
            "d",
            JobState.DOWNLOADING,
            submitted_at=NOW - timedelta(hours=1),
            bytes_downloaded=250,
            bytes_total=1000,
        )
    )
    assert model.index(0, 0).data(JobRole.PROGRESS) == 0.25
    model.upsert(
        make_job(
            "d",
            JobState.DONE,
            submitted_at=NOW - timedelta(hours=1),
            finished_at=NOW - timedelta(minutes=50),
            video_path="v.mp4",
        )
    )
    index = model.index(0, 0)
    assert index.data(JobRole.PROGRESS) is None and index.data(JobRole.EXPIRES_IN) is None
    assert index.data(JobRole.ELAPSED) == 600  # the clock stops when the job finishes
    assert "took 10 min" in status_line(index)  # CLDR-style durations (i18n.format_duration) drop "00 s"


def test_status_line_says_why_a_job_failed(model):
    model.upsert(make_job("f", JobState.FAILED, error_message="The content check flagged the image."))
    assert status_line(model.index(0, 0)).startswith("Failed: The content check flagged the image.")


def test_thumbnail_of_a_local_input_loads_off_the_gui_thread(qtbot, model, tmp_path):
    path = tmp_path / "input.png"
    Image.new("RGB", (640, 480), "red").save(path)
    model.upsert(make_job("t", request=GenerationRequest("wan2.6-i2v-flash", str(path))))
    placeholder = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert placeholder.width() == 96  # the placeholder, at once

    def decoration_changed(top_left, bottom_right, roles) -> bool:
        return Qt.ItemDataRole.DecorationRole in roles

    with qtbot.waitSignal(model.dataChanged, check_params_cb=decoration_changed):
        pass
    pixmap = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert (pixmap.width(), pixmap.height()) == (96, 72)  # scaled, aspect kept


def test_duration_text_reads_like_a_person_would_say_it():
    assert duration_text(12) == "12 s"
    assert duration_text(250) == "4 min 10 s"
    assert duration_text(3900) == "1 h 5 min"
    assert duration_text(None) == ""


@pytest.mark.parametrize(
    "state, extra, expected",
    [
        (JobState.QUEUED, {}, {JobAction.CANCEL, JobAction.REMOVE}),  # the rulebook lets a queued job go
        (JobState.SUBMITTING, {}, set()),
        (JobState.PENDING, {}, {JobAction.CANCEL}),
        (JobState.RUNNING, {}, set()),
        (JobState.DOWNLOADING, {}, set()),
        # a done job is deleted from the library, never removed from the queue (issue 10, defect 2)
        (JobState.DONE, {"video_path": "v.mp4"}, {JobAction.OPEN_VIDEO, JobAction.SHOW_FOLDER}),
        (
            JobState.FAILED,
            {"error_code": "DataInspectionFailed"},
            {JobAction.RETRY, JobAction.REMOVE, JobAction.ERROR_DETAILS},
        ),
        (JobState.CANCELED, {}, {JobAction.RETRY, JobAction.REMOVE}),
        (JobState.EXPIRED, {}, {JobAction.RETRY, JobAction.REMOVE}),
        # still being looked for by the engine: only cancel (which drops it); the decisions come once it asks
        (JobState.SUBMIT_UNCERTAIN, {}, {JobAction.CANCEL}),
        (
            JobState.SUBMIT_UNCERTAIN,
            {"error_code": "TaskNotFound"},
            {JobAction.CANCEL, JobAction.SEARCH, JobAction.RESUBMIT, JobAction.DROP, JobAction.ERROR_DETAILS},
        ),
    ],
)
def test_actions_are_offered_only_where_they_make_sense(state, extra, expected):
    assert available_actions(make_job("x", state, **extra)) == expected


@pytest.fixture
def panel(qtbot, model):
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()


def test_panel_buttons_follow_the_selected_jobs_state_and_emit(qtbot, panel, model):
    model.upsert(make_job("q"))
    model.upsert(make_job("f", JobState.FAILED, error_code="InternalError", error_message="It broke."))
    model.upsert(make_job("d", JobState.DONE, video_path="v.mp4"))
    panel.select("q")
    assert panel.buttons[JobAction.CANCEL].isEnabled() and not panel.buttons[JobAction.RETRY].isEnabled()
    with qtbot.waitSignal(panel.cancel_requested) as cancel:
        panel.buttons[JobAction.CANCEL].click()
    assert cancel.args == ["q"]

    panel.select("f")
    assert not panel.buttons[JobAction.CANCEL].isEnabled() and panel.buttons[JobAction.RETRY].isEnabled()
    with qtbot.waitSignal(panel.retry_requested) as retry:
        panel.buttons[JobAction.RETRY].click()
    assert retry.args == ["f"]
    with qtbot.waitSignal(panel.remove_requested) as remove:
        panel.buttons[JobAction.REMOVE].click()
    assert remove.args == ["f"]

    panel.select("d")
    with qtbot.waitSignal(panel.open_video_requested) as opened:
        panel.buttons[JobAction.OPEN_VIDEO].click()
    with qtbot.waitSignal(panel.show_folder_requested) as shown:
        panel.buttons[JobAction.SHOW_FOLDER].click()
    assert opened.args == ["d"] and shown.args == ["d"]

    # A state change from the engine re-decides the buttons of the selected job.
    model.upsert(make_job("d", JobState.DONE))  # no video path: nothing to open
    assert not panel.buttons[JobAction.OPEN_VIDEO].isEnabled()


def test_delete_key_removes_only_while_the_list_has_focus(qtbot, panel, model):
    model.upsert(make_job("c", JobState.CANCELED))
    panel.select("c")
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.pause_button.setFocus()
    with qtbot.assertNotEmitted(panel.remove_requested):
        qtbot.keyClick(panel.pause_button, Qt.Key.Key_Delete)
    panel.view.setFocus()
    with qtbot.waitSignal(panel.remove_requested) as removed:
        qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert removed.args == ["c"]


def test_a_disabled_action_emits_nothing_even_when_forced(qtbot, panel, model):
    model.upsert(make_job("r", JobState.RUNNING))
    with qtbot.assertNotEmitted(panel.cancel_requested):
        panel.trigger(JobAction.CANCEL, "r")


def test_context_menu_lists_the_same_actions(panel, model):
    job = make_job("u", JobState.SUBMIT_UNCERTAIN, error_code="TaskNotFound")
    model.upsert(job)
    menu = panel.build_menu(job)
    enabled = {a.data() for a in menu.actions() if a.isEnabled()}
    assert enabled == {"cancel", "search", "resubmit", "drop", "error_details"}
    running = make_job("r", JobState.PENDING)
    model.upsert(running)
    items = panel.build_menu(running).actions()
    assert "search" not in {a.data() for a in items}  # the decisions appear only when one is needed
    assert {a.data() for a in items if a.isEnabled()} == {"cancel"}


def test_uncertain_job_decisions_and_resubmit_needs_confirmation(qtbot, panel, model):
    model.upsert(make_job("u", JobState.SUBMIT_UNCERTAIN, error_code="TaskNotFound"))
    panel.select("u")
    assert panel.buttons[JobAction.SEARCH].isVisibleTo(panel)
    with qtbot.waitSignal(panel.uncertain_decision) as search:
        panel.buttons[JobAction.SEARCH].click()
    assert search.args == ["u", "search"]

    with qtbot.assertNotEmitted(panel.uncertain_decision):
        panel.buttons[JobAction.RESUBMIT].click()
        box = panel.confirm_box
        assert "charged twice" in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Cancel).click()

    panel.buttons[JobAction.RESUBMIT].click()
    with qtbot.waitSignal(panel.uncertain_decision) as resubmit:
        panel.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    assert resubmit.args == ["u", "resubmit"]

    with qtbot.waitSignal(panel.uncertain_decision) as drop:
        panel.buttons[JobAction.DROP].click()
    assert drop.args == ["u", "drop"]


def test_uncertain_buttons_are_hidden_for_ordinary_jobs(panel, model):
    model.upsert(make_job("q"))
    panel.select("q")
    assert not panel.buttons[JobAction.RESUBMIT].isVisibleTo(panel)


def test_error_details_dialog_shows_code_message_and_request_ids_and_copies(qtbot, panel, model):
    job = make_job(
        "f",
        JobState.FAILED,
        task_id="task-9",
        request_ids=("req-1", "req-2"),
        error_code="DataInspectionFailed",
        error_message="The content check flagged the image.",
        error_detail="Input data may contain inappropriate content.",
    )
    model.upsert(job)
    panel.select("f")
    panel.buttons[JobAction.ERROR_DETAILS].click()
    dialog = panel.error_dialog
    text = dialog.text.toPlainText()
    assert text == error_details_text(job)
    for expected in (
        "DataInspectionFailed",
        "Input data may contain inappropriate content.",
        "req-1, req-2",
        "task-9",
        "The content check flagged the image.",
        "Singapore",
    ):
        assert expected in text
    assert dialog.text.isReadOnly()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    dialog.close()


def test_pause_toggle_emits_and_relabels(qtbot, panel):
    with qtbot.waitSignal(panel.pause_toggled) as paused:
        panel.pause_button.click()
    assert paused.args == [True] and panel.pause_button.text() == "&Resume queue"
    with qtbot.waitSignal(panel.pause_toggled) as resumed:
        panel.pause_button.click()
    assert resumed.args == [False]
    with qtbot.assertNotEmitted(panel.pause_toggled):
        panel.set_paused(True)
    assert panel.pause_button.isChecked()


def test_every_control_has_an_accessible_name_and_rows_paint(qtbot, panel, model):
    model.upsert(make_job("d", JobState.DOWNLOADING, bytes_downloaded=5, bytes_total=10))
    model.upsert(make_job("f", JobState.FAILED, error_message="x"))
    panel.resize(700, 400)
    with qtbot.waitExposed(panel):
        panel.show()
    panel.grab()  # runs the delegate's paint for every row
    assert theme.unnamed_controls(panel) == []
    model.upsert(make_job("u", JobState.SUBMIT_UNCERTAIN, error_code="TaskNotFound"))
    panel.select("u")
    assert theme.mnemonic_clashes(panel) == {}
