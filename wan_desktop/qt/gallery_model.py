"""The gallery's list model: one row per job, filled from SQLite queries run off the GUI thread.

Filtering and sorting happen in SQL (``core.history.gallery_items``), not in a proxy: at 10,000 jobs a proxy
would touch every row on the GUI thread for each keystroke, while SQLite answers on a pool thread and the
model swaps in the result in one reset. Live changes from the engine (a running job turning into its video)
update the row in place.
"""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal

from wan_desktop.core import history
from wan_desktop.core.history import GalleryItem, GalleryQuery, SortOrder
from wan_desktop.core.i18n import _, format_seconds
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobReader

from .background import BackgroundCalls

REST_DELAY_MS = 40
FIRST_PAGE = 60  # rows fetched before the first paint: a full window of tiles; the rest follows at once
ItemRole = Qt.ItemDataRole.UserRole + 1
JobIdRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def describe(item: GalleryItem) -> str:
    """The words a screen reader says for a tile (and its tooltip)."""
    parts = [item.state.label, item.model]
    if item.duration:
        parts.append(format_seconds(item.duration))
    if item.resolution:
        parts.append(item.resolution)
    if item.favourite:
        parts.append(_("favourite"))
    if item.missing:
        parts.append(_("video missing from disk"))
    marks = " · ".join(parts)
    return _("{marks}: {prompt}").format(marks=marks, prompt=item.prompt) if item.prompt else marks


class GalleryModel(QAbstractListModel):
    """Rows of ``GalleryItem`` (frozen). ``loaded(int)`` says how many rows a finished query gave."""

    first_page = Signal(int)  # the first screenful is in: the grid can paint
    loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[GalleryItem] = []
        self._rows: dict[str, int] = {}
        self._calls = BackgroundCalls(self, max_threads=1)  # one query at a time, newest wins
        self._token = 0
        self._generation = 0
        self._closed = False
        self.query = GalleryQuery()
        self.last_load_seconds = 0.0

    # -- Qt model API ---------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items) or index.column() != 0:
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.prompt or _("(no prompt)")
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return describe(item)
        if role == ItemRole:
            return item
        if role == JobIdRole:
            return item.job_id
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    # -- reading --------------------------------------------------------------------------------------
    def item_at(self, index: _Index) -> GalleryItem | None:
        return self._items[index.row()] if index.isValid() and index.row() < len(self._items) else None

    def item(self, job_id: str) -> GalleryItem | None:
        row = self._rows.get(job_id)
        return None if row is None else self._items[row]

    def row_of(self, job_id: str) -> int | None:
        return self._rows.get(job_id)

    def items(self) -> list[GalleryItem]:
        return list(self._items)

    # -- filling --------------------------------------------------------------------------------------
    def set_items(self, items: list[GalleryItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._rows = {item.job_id: row for row, item in enumerate(self._items)}
        self.endResetModel()

    def load(self, store: JobReader, library: Library, query: GalleryQuery | None = None) -> None:
        """Run ``query`` (or the current one) on a pool thread; the newest request's answer wins.

        The first screenful comes first, so the grid paints at once however large the library; the rest is
        appended when it arrives (appending keeps the scroll position and the selection)."""
        if query is not None:
            self.query = query
        wanted = self.query
        self._generation += 1
        self._calls.cancel(self._token)
        started = time.perf_counter()

        def failed(error: Exception) -> None:
            explanation = getattr(error, "explanation", None)
            self.load_failed.emit(explanation or _("The history could not be read: {error}").format(error=error))

        def rest_done(items: list[GalleryItem]) -> None:
            self.append_items(items)
            self.last_load_seconds = time.perf_counter() - started
            self.loaded.emit(len(self._items))

        def first_done(items: list[GalleryItem]) -> None:
            self.set_items(items)
            self.first_page.emit(len(items))
            if len(items) < FIRST_PAGE:
                rest_done([])
                return
            generation = self._generation

            def fetch_rest() -> None:
                if generation == self._generation and not self._closed:  # no newer query started meanwhile
                    self._token = self._calls.run(
                        lambda: history.gallery_items(store, library, wanted, offset=FIRST_PAGE), rest_done, failed
                    )

            # After the first screenful is painted: reading 10,000 rows holds the GIL for a while, and the
            # grid should reach the screen first.
            QTimer.singleShot(REST_DELAY_MS, self, fetch_rest)

        self._token = self._calls.run(
            lambda: history.gallery_items(store, library, wanted, limit=FIRST_PAGE), first_done, failed
        )

    def append_items(self, items: list[GalleryItem]) -> None:
        fresh = [item for item in items if item.job_id not in self._rows]
        if not fresh:
            return
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._items.extend(fresh)
        for row, item in enumerate(fresh, start=first):
            self._rows[item.job_id] = row
        self.endInsertRows()

    def upsert_job(self, job: Job, library: Library) -> None:
        """Show a job the engine reported: update its tile in place, or add a new one where it belongs."""
        item = history.item_for_job(job, library)
        row = self._rows.get(job.id)
        if row is not None:
            old = self._items[row]
            # The engine does not know whether the file is still there; keep the last disk check.
            if old.video == item.video and old.state is item.state:
                item = replace(item, missing=old.missing)
            self._items[row] = item
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)
            return
        if not self.query.is_default:
            return  # a filtered view is refreshed by a new query, which decides if it belongs
        row = 0 if self.query.sort is SortOrder.NEWEST else len(self._items)
        if self.query.sort not in (SortOrder.NEWEST, SortOrder.OLDEST):
            row = len(self._items)
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.insert(row, item)
        self._rows = {each.job_id: number for number, each in enumerate(self._items)}
        self.endInsertRows()

    def remove_job(self, job_id: str) -> None:
        row = self._rows.get(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._items[row]
        self._rows = {each.job_id: number for number, each in enumerate(self._items)}
        self.endRemoveRows()

    def replace_item(self, item: GalleryItem) -> None:
        row = self._rows.get(item.job_id)
        if row is not None:
            self._items[row] = item
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def wait(self) -> None:
        """Block until a running query ends (tests and benchmarks only)."""
        self._calls.wait()

    def shutdown(self) -> None:
        self._closed = True
        self._calls.shutdown()
