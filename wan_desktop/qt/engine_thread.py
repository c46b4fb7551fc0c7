"""The engine on its own QThread, reporting through signals.

Everything that touches disk or network (opening the database, starting the demo simulator, the engine
loop and the commands the window sends it) runs on this thread; the GUI thread only emits requests and
receives frozen ``Job`` objects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QThread, Signal

from wan_desktop.core.dashscope.errors import LocalValidationError
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.events import EngineEvent, EventKind, UncertainDecision
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.prompt_history import remember_quietly

if TYPE_CHECKING:
    from wan_desktop.core.engine.commands import CommandOutcome, ImportOutcome
    from wan_desktop.core.session import Session

log = logging.getLogger(__name__)

SessionOpener = Callable[[Callable[[EngineEvent], None]], "Session"]


@dataclass(frozen=True)
class EngineReply:
    """What the engine did with a request from the Library tab (it is the only writer of job rows)."""

    request: str  # "favourite", "forget" or "import"
    job_id: str | None
    ok: bool
    message: str  # a sentence for a person
    job: Job | None = None  # the job as saved
    added: tuple[str, ...] = ()  # import: the job ids added
    already: int = 0  # import: jobs the history already had
    refused: tuple[tuple[str, str], ...] = ()  # import: (job id, why)


def reply_from(request: str, job_id: str | None, outcome: CommandOutcome | ImportOutcome) -> EngineReply:
    """The EngineReply for the engine's typed outcome of a Library-tab request."""
    from wan_desktop.core.engine.commands import ImportOutcome  # loaded with the engine, not at first paint

    if isinstance(outcome, ImportOutcome):
        return EngineReply(
            request,
            job_id,
            True,
            outcome.message,
            added=outcome.added,
            already=outcome.already,
            refused=outcome.refused,
        )
    return EngineReply(request, job_id, outcome.ok, outcome.message, outcome.job)


class EngineThread(QThread):
    ready = Signal(list)  # list[Job]: every job the database holds
    start_failed = Signal(str)
    job_updated = Signal(object)  # Job
    job_removed = Signal(str)
    download_progress = Signal(str, object, object)  # job id, bytes so far, total (or None)
    notice = Signal(str)
    mode_changed = Signal(str, str)  # EngineMode value, reason
    reply = Signal(str)  # what a command did, in words
    typical_durations = Signal(object)  # dict {(model, resolution): seconds a task usually takes}, for ETAs
    replied = Signal(object)  # EngineReply: the outcome of set_favourite, forget or import_jobs

    def __init__(self, open_session: SessionOpener, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("wan-engine")
        self._open_session = open_session
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pending: list[Callable] = []
        self._session: Session | None = None

    # -- GUI thread -----------------------------------------------------------------------------
    def submit(
        self, requests: Sequence[GenerationRequest], parent_job_id: str | None = None, project: str | None = None
    ) -> None:
        def add(engine):
            try:
                jobs = engine.add_jobs(list(requests), parent_job_id=parent_job_id, project=project)
            except LocalValidationError as error:
                self.reply.emit(error.explanation)
            except OSError as error:
                self.reply.emit(
                    _("Could not keep a copy of an input in the library: {reason}.").format(
                        reason=error.strerror or error
                    )
                )
            else:
                queued = ngettext("Queued {n} job.", "Queued {n} jobs.", len(jobs))
                self.reply.emit(queued.format(n=format_number(len(jobs))))
                remember_quietly(self._session.store.db_path.parent if self._session else None, requests)

        self._send(add)

    def cancel(self, job_id: str) -> None:
        self._send(lambda engine: self.reply.emit(engine.cancel(job_id).message))

    def retry(self, job_id: str) -> None:
        self._send(lambda engine: self.reply.emit(engine.retry(job_id).message))

    def remove(self, job_id: str) -> None:
        self._send(lambda engine: self.reply.emit(engine.remove(job_id).message))

    def forget(self, job_id: str) -> None:
        """The person deleted a finished job from the history (its files went to the trash first)."""
        self._ask("forget", job_id, lambda engine: engine.forget(job_id))

    def set_favourite(self, job_id: str, favourite: bool) -> None:
        self._ask("favourite", job_id, lambda engine: engine.set_favourite(job_id, favourite))

    def set_kept(self, job_id: str, kept: bool | None) -> None:
        self._ask("keep", job_id, lambda engine: engine.set_kept(job_id, kept))

    def import_jobs(self, jobs: Sequence[Job]) -> None:
        """Finished jobs read from a folder's sidecars; the engine adds those the history lacks."""
        chosen = tuple(jobs)
        self._ask("import", None, lambda engine: engine.import_jobs(chosen))

    def decide(self, job_id: str, decision: UncertainDecision) -> None:
        self._send(lambda engine: self.reply.emit(engine.decide(job_id, decision).message))

    def set_paused(self, paused: bool) -> None:
        self._send(lambda engine: engine.pause() if paused else engine.resume())

    def run_on_engine(self, command: Callable) -> None:
        """Run ``command(engine)`` on the engine thread (the storyboard view's edits and renders)."""
        self._send(command)

    def stop(self) -> None:
        """Ask the loop to finish; downloads stop at a resumable point. Call ``wait()`` after."""
        self._stop.set()
        with self._lock:
            session = self._session
        if session is not None:
            session.engine.wake()

    # -- engine thread --------------------------------------------------------------------------
    def _ask(self, request: str, job_id: str | None, command: Callable) -> None:
        """Run ``command`` on the engine and answer with ``replied``, whatever happens."""

        def run(engine) -> None:
            try:
                outcome = command(engine)
            except Exception as error:  # the loop must go on; the person hears what went wrong
                log.exception("engine command %s failed", request)
                self.replied.emit(
                    EngineReply(request, job_id, False, _("That did not work: {error}").format(error=error))
                )
                return
            self.replied.emit(reply_from(request, job_id, outcome))

        self._send(run)

    def _send(self, command: Callable) -> None:
        with self._lock:
            session = self._session
            if session is None:
                self._pending.append(command)
                return
        session.engine.post(lambda: command(session.engine))

    def run(self) -> None:
        try:
            session = self._open_session(self._forward)
        except Exception as error:  # every start-up failure reaches the person as words
            log.exception("engine start failed")
            self.start_failed.emit(getattr(error, "explanation", None) or str(error))
            return
        try:
            with self._lock:
                self._session = session
                pending, self._pending = self._pending, []
            for command in pending:
                session.engine.post(lambda command=command: command(session.engine))
            self.ready.emit(session.engine.jobs())
            self._send_typical_durations(session, session.engine.jobs())
            if not self._stop.is_set():
                session.engine.run(self._stop)
        except Exception as error:
            log.exception("engine stopped on an error")
            self.start_failed.emit(_("The job engine stopped: {error}").format(error=error))
        finally:
            with self._lock:
                self._session = None
            session.close()

    def _send_typical_durations(self, session: Session, jobs) -> None:
        pairs = {(job.request.model, job.request.resolution or "") for job in jobs}
        durations = {pair: session.store.typical_seconds(*pair) for pair in pairs}
        self.typical_durations.emit({pair: seconds for pair, seconds in durations.items() if seconds})

    def _forward(self, event: EngineEvent) -> None:
        if event.kind is EventKind.JOB_UPDATED and event.job is not None:
            self.job_updated.emit(event.job)
            if event.job.state is JobState.DONE and self._session is not None:
                self._send_typical_durations(self._session, [event.job])
        elif event.kind is EventKind.JOB_REMOVED:
            self.job_removed.emit(event.job_id)
        elif event.kind is EventKind.DOWNLOAD_PROGRESS:
            self.download_progress.emit(event.job_id, event.bytes_done, event.bytes_total)
        elif event.kind is EventKind.MODE_CHANGED:
            self.mode_changed.emit(event.mode.value if event.mode else "", event.message)
        elif event.kind is EventKind.NOTICE:
            self.notice.emit(event.message)
