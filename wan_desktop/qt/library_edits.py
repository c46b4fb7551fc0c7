"""Changes to the history asked from the Library tab: favourite, delete (files to the trash, then the row) and
import. The engine is the only writer of job rows: each change is a request to it (``LibraryWriter``), checked
first against the core's rulebook, and the engine's ``EngineReply`` says how it went."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from wan_desktop.core import history
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job, JobAction, refusal
from wan_desktop.core.library import Library

from .background import BackgroundCalls
from .engine_thread import EngineReply

if TYPE_CHECKING:
    from .engine_thread import EngineThread
from .library_health import ErrorHandler, move_to_trash


def not_running() -> str:
    return _("The job queue is not running yet; try again once it has started.")


@dataclass(frozen=True)
class LibraryWriter:
    """The engine's requests the Library tab makes (GUI thread; each returns at once, the engine replies)."""

    set_favourite: Callable[[str, bool], None]
    forget: Callable[[str], None]  # delete from the history (the files went to the trash first)
    import_jobs: Callable[[Sequence[Job]], None]
    set_kept: Callable[[str, bool | None], None] = lambda job_id, kept: None


def writer_for(engine: Callable[[], EngineThread | None], say: Callable[[str], None]) -> LibraryWriter:
    """Requests to whichever engine thread runs now (the window restarts it when the settings change)."""

    def ask(request: Callable[[EngineThread], None]) -> None:
        current = engine()
        if current is None:
            say(not_running())
        else:
            request(current)

    return LibraryWriter(
        set_favourite=lambda job_id, favourite: ask(lambda e: e.set_favourite(job_id, favourite)),
        forget=lambda job_id: ask(lambda e: e.forget(job_id)),
        import_jobs=lambda jobs: ask(lambda e: e.import_jobs(jobs)),
        set_kept=lambda job_id, kept: ask(lambda e: e.set_kept(job_id, kept)),
    )


class HistoryEdits(QObject):
    favourite_saved = Signal(object)  # Job, as the engine saved it
    deleted = Signal(str)  # job id: its files are in the trash and the engine forgot it
    imported = Signal(object)  # EngineReply of an import

    def __init__(
        self,
        calls: BackgroundCalls,
        writer: LibraryWriter | None,
        on_error: ErrorHandler,
        confirm_delete: Callable[[Job], bool],
        library: Callable[[], Library],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._calls = calls
        self._writer = writer
        self._on_error = on_error
        self._confirm_delete = confirm_delete
        self._library = library

    def _allowed(self, job: Job, action: JobAction, name: str) -> LibraryWriter | None:
        """The writer when the rulebook allows ``action`` now; else the person is told why not."""
        why = refusal(job, action) or (not_running() if self._writer is None else None)
        if why is not None:
            self._on_error(name)(RuntimeError(why))
            return None
        return self._writer

    def toggle_favourite(self, job: Job) -> None:
        writer = self._allowed(job, JobAction.FAVOURITE, "favourite")
        if writer is not None:
            writer.set_favourite(job.id, not job.favourite)

    def toggle_kept(self, job: Job, mark: bool) -> None:
        """Mark a finished clip kept (or rejected); the same mark again takes it off. Spend divides by kept clips."""
        writer = self._allowed(job, JobAction.KEEP, "keep")
        if writer is not None:
            writer.set_kept(job.id, None if job.kept is mark else mark)

    def delete(self, job: Job) -> None:
        writer = self._allowed(job, JobAction.DELETE, "delete")
        if writer is None or not self._confirm_delete(job):
            return
        library = self._library()

        def trash() -> None:
            move_to_trash(history.job_files(job, library))

        # Once the files are in the trash, the engine forgets the row.
        self._calls.run(trash, lambda _none: writer.forget(job.id), self._on_error("delete"))

    def import_jobs(self, jobs: Sequence[Job]) -> None:
        if self._writer is None:
            self._on_error("import")(RuntimeError(not_running()))
        else:
            self._writer.import_jobs(jobs)

    def replied(self, reply: EngineReply) -> None:
        if reply.request == "import":
            self.imported.emit(reply)
        elif not reply.ok:
            self._on_error("delete" if reply.request == "forget" else reply.request)(RuntimeError(reply.message))
        elif reply.request in ("favourite", "keep") and reply.job is not None:
            self.favourite_saved.emit(reply.job)
        elif reply.request == "forget" and reply.job_id is not None:
            self.deleted.emit(reply.job_id)
