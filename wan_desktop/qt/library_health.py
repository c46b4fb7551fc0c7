"""Library health from the Library tab: the trash, relinking a moved library and importing a folder of videos.

The disk work runs off the GUI thread; the history changes (an import) are asked of the engine, the only
writer of job rows, and its answer comes back as an ``EngineReply``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QFile, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from wan_desktop.core import history
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library, SidecarProblem
from wan_desktop.core.store import JobReader

from .background import BackgroundCalls
from .engine_thread import EngineReply

ErrorHandler = Callable[[str], Callable[[Exception], None]]  # action name -> what to do with its error


class NoTrashError(OSError):
    """This system has no trash to move files to; nothing was deleted."""


def move_to_trash(paths: list[Path]) -> None:
    """Move every path to the system trash, or raise NoTrashError before deleting anything (pool thread)."""
    for number, path in enumerate(paths):
        if not QFile.moveToTrash(str(path)):
            raise NoTrashError(_trash_refusal(path.name, number, len(paths)))


def _trash_refusal(name: str, moved: int, total: int) -> str:
    if not moved:
        return _(
            "'{name}' could not be moved to the trash: this system may have no trash, or the file is not "
            "writable. Nothing else was deleted; delete it yourself if you want it gone."
        ).format(name=name)
    return _(
        "'{name}' could not be moved to the trash: this system may have no trash, or the file is not "
        "writable. Nothing else was deleted ({n} of {total} files were already moved there); delete it "
        "yourself if you want it gone."
    ).format(name=name, n=format_number(moved), total=format_number(total))


def import_message(reply: EngineReply, problems: Sequence[SidecarProblem]) -> str:
    parts = [reply.message]
    if problems:
        n = len(problems)
        parts.append(
            ngettext("{n} note could not be read:", "{n} notes could not be read:", n).format(n=format_number(n))
        )
        parts.extend(_bullet(problem.path.name, problem.message) for problem in problems[:20])
    if reply.refused:
        parts.append(_("{n} were not imported:").format(n=format_number(len(reply.refused))))
        parts.extend(_bullet(job_id, why) for job_id, why in reply.refused[:20])
    return "\n".join(parts)


def _bullet(name: str, why: str) -> str:
    return _("• {name}: {why}").format(name=name, why=why)


class LibraryHealth(QObject):
    """Relink and import; ``import_jobs`` posts to the engine, whose reply is handed to ``replied``."""

    notice = Signal(str)
    action_done = Signal(str)
    moved = Signal(object)  # Path: the library's new folder
    changed = Signal()  # the history changed: run the query again

    def __init__(
        self,
        calls: BackgroundCalls,
        import_jobs: Callable[[Sequence[Job]], None],
        on_error: ErrorHandler,
        owner: QWidget,
    ) -> None:
        super().__init__(owner)
        self._calls = calls
        self._import_jobs = import_jobs
        self._on_error = on_error
        self._owner = owner
        self._problems: tuple[SidecarProblem, ...] = ()
        self.last_import: EngineReply | None = None

    def relink_dialog(self, store: JobReader | None) -> None:
        folder = QFileDialog.getExistingDirectory(self._owner, _("Where is the library folder now?"))
        if folder:
            self.relink(store, Path(folder))

    def relink(self, store: JobReader | None, folder: Path) -> None:
        """Point at the folder the library moved to: only the setting changes; files are checked again."""
        if store is None:
            return

        def done(report: history.RelinkReport) -> None:
            if report.found == 0 and report.missing:
                self.notice.emit(_("{message} The library was not changed.").format(message=report.message))
            else:
                self.moved.emit(report.root)
                self.notice.emit(report.message)
            self.action_done.emit("relink")

        self._calls.run(lambda: history.relink_check(store, folder), done, self._on_error("relink"))

    def import_dialog(self, library: Library) -> None:
        folder = QFileDialog.getExistingDirectory(self._owner, _("Import which folder of Wan Desktop videos?"))
        if folder:
            self.import_from(library, Path(folder))

    def import_from(self, library: Library, folder: Path) -> None:
        def scanned(scan: history.ImportScan) -> None:
            self._problems = scan.problems
            self._import_jobs(scan.jobs)

        self._calls.run(lambda: history.sidecars_to_import(library, folder), scanned, self._on_error("import"))

    def replied(self, reply: EngineReply) -> None:
        self.last_import = reply
        message = import_message(reply, self._problems)
        self.notice.emit(message)
        if self._problems or reply.refused:
            QMessageBox.information(self._owner, _("Import finished with problems"), message)
        self._problems = ()
        self.changed.emit()
        self.action_done.emit("import")
