"""The Library tab's reading of the history: its own connection, opened through an injected ``open_reader``
and used only off the GUI thread, for the gallery's queries, the filter choices and one job's details."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from wan_desktop.core import history
from wan_desktop.core.history import GalleryQuery, Lineage
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobReader

from .background import BackgroundCalls
from .gallery_model import GalleryModel

Details = tuple[Job | None, Lineage]


class HistoryReading(QObject):
    notice = Signal(str)
    choices = Signal(object)  # (models, resolutions) the history holds, for the filters

    def __init__(
        self, calls: BackgroundCalls, open_reader: Callable[[], JobReader], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._calls = calls
        self._open_reader = open_reader
        self.reader: JobReader | None = None
        self._wanted: tuple[GalleryModel, Library, GalleryQuery] | None = None

    def load(self, model: GalleryModel, library: Library, query: GalleryQuery) -> None:
        """Run ``query`` into ``model``; the first time, the history is opened first."""
        if self.reader is not None:
            model.load(self.reader, library, query)
            return
        first = self._wanted is None
        self._wanted = (model, library, query)
        if first:
            self._calls.run(self._open_reader, self._opened, self._failed)

    def _opened(self, reader: JobReader) -> None:
        self.reader = reader
        if self._wanted is not None:
            self.load(*self._wanted)

    def _failed(self, error: Exception) -> None:
        self._wanted = None  # the next refresh tries again
        explanation = getattr(error, "explanation", None)
        self.notice.emit(explanation or _("The history could not be opened: {error}").format(error=error))

    def read_choices(self) -> None:
        reader = self.reader
        if reader is not None:
            self._calls.run(lambda: history.filter_choices(reader), self.choices.emit, lambda _error: None)

    def details(self, job_id: str, done: Callable[[Details], None]) -> None:
        reader = self.reader
        if reader is None:
            return

        def read() -> Details:
            return reader.get(job_id), history.lineage(reader, job_id)

        self._calls.run(read, done, lambda error: self.notice.emit(str(error)))

    def close(self) -> None:
        """Close the connection off the GUI thread (closing touches the disk) and wait for it."""
        reader, self.reader = self.reader, None
        if reader is not None:
            self._calls.run(reader.close, lambda _none: None)
            self._calls.wait()
