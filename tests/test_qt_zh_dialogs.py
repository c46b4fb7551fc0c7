"""The dialogs the window walk (tests/test_qt_zh_every_window.py) does not reach, in Simplified Chinese: the
first-run question, a failed job's error details with a service error the core explained, the question before
a job is sent again, and the tray's notifications (the offscreen platform has no tray to show them in)."""

from __future__ import annotations

from tests.test_qt_queue import make_job
from tests.zh_text import english_left, has_chinese
from tests.zh_walk import untranslated
from wan_desktop.core.dashscope.errors import error_for
from wan_desktop.core.jobs import JobState
from wan_desktop.qt.app import welcome_box
from wan_desktop.qt.main_window import notification
from wan_desktop.qt.queue_model import JobQueueModel
from wan_desktop.qt.queue_panel import QueueAction, QueuePanel

SERVICE_CODE, SERVICE_MESSAGE = "DataInspectionFailed", "Input data may contain inappropriate content."


def failed_job():
    explained = error_for(400, SERVICE_CODE, SERVICE_MESSAGE, "req-1").explanation
    return make_job(
        "job-f1",
        JobState.FAILED,
        task_id="task-9",
        request_ids=("req-1",),
        error_code=SERVICE_CODE,
        error_message=explained,
        error_detail=SERVICE_MESSAGE,  # the service's own words, shown as it sent them
    )


def test_the_first_run_question_in_chinese(qtbot, qt_chinese):
    box, enter, demo = welcome_box()
    qtbot.addWidget(box)
    box.show()
    assert has_chinese(box.text()) and has_chinese(enter.text()) and has_chinese(demo.text())
    assert untranslated(box) == []
    box.close()


def test_error_details_and_the_resend_question_in_chinese(qtbot, qt_chinese):
    model = JobQueueModel(eta_provider=lambda _job: None)
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    try:
        job = failed_job()
        model.upsert(job)
        panel.select(job.id)
        panel.buttons[QueueAction.ERROR_DETAILS].click()
        dialog = panel.error_dialog
        assert dialog is not None and untranslated(dialog) == []
        details = dialog.text.toPlainText()
        assert job.error_message and has_chinese(job.error_message) and job.error_message in details
        assert english_left(details, (SERVICE_CODE, SERVICE_MESSAGE, "req-1", "task-9", "job-f1")) == ""
        dialog.close()

        uncertain = make_job("u", JobState.SUBMIT_UNCERTAIN, error_code="TaskNotFound")
        model.upsert(uncertain)
        box = panel.confirm_resubmit(uncertain)
        assert has_chinese(box.text()) and untranslated(box) == []
        box.close()
    finally:
        panel.shutdown()
        model.shutdown()


def test_notifications_in_chinese(qt_chinese):
    done = make_job("d", JobState.DONE, video_path="v.mp4", request=None)
    title, message = notification(done)
    assert has_chinese(title) and message == done.request.prompt[:80]
    title, message = notification(failed_job())
    assert has_chinese(title) and has_chinese(message) and english_left(title + message) == ""
