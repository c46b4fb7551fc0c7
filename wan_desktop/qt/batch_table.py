"""The batch preview's table: one row per job with its thumbnail, filled prompt, verdict in words and cost.

Rows arrive in chunks from the worker that reads and checks the batch (``append``), so 1,000 rows fill the
table without a long pause on the GUI thread. Thumbnails come as small RGBA bytes made on the worker; the
QImage is made here on first paint only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QImage

from wan_desktop.core.batch import BatchRow
from wan_desktop.core.i18n import _

from . import theme

THUMB = 48
COLUMNS = 5


def headers() -> tuple[str, ...]:
    return ("", _("Where"), _("Prompt"), _("Verdict"), _("Estimated cost"))


Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Thumb:
    width: int
    height: int
    rgba: bytes


@dataclass(frozen=True)
class PreviewItem:
    row: BatchRow
    thumb: Thumb | None


class BatchTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[PreviewItem] = []
        self._images: dict[int, QImage] = {}

    def clear(self) -> None:
        self.beginResetModel()
        self._items, self._images = [], {}
        self.endResetModel()

    def append(self, items: list[PreviewItem]) -> None:
        if not items:
            return
        start = len(self._items)
        self.beginInsertRows(QModelIndex(), start, start + len(items) - 1)
        self._items.extend(items)
        self.endInsertRows()

    def rows(self) -> list[BatchRow]:
        return [item.row for item in self._items]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._image(index.row(), item)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item.row, column, role)
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and not item.row.valid:
            return QBrush(QColor(theme.css_colour("error")))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._text(item.row, column, Qt.ItemDataRole.DisplayRole)
        return None

    @staticmethod
    def _text(row: BatchRow, column: int, role: int) -> str | None:
        if column == 1:
            return row.where
        if column == 2:
            return row.prompt if role == Qt.ItemDataRole.ToolTipRole else row.prompt[:200]
        if column == 3:
            return row.verdict
        if column == 4:
            return row.estimate.text() if row.estimate else "—"
        return None

    def _image(self, number: int, item: PreviewItem) -> QImage | None:
        if item.thumb is None:
            return None
        image = self._images.get(number)
        if image is None:
            thumb = item.thumb
            image = QImage(thumb.rgba, thumb.width, thumb.height, thumb.width * 4, QImage.Format.Format_RGBA8888).copy()
            self._images[number] = image
        return image


def make_thumb(path: str | None, cache: dict[str, Thumb | None]) -> Thumb | None:
    """A small RGBA picture of a local image (on the worker thread); None for URLs or unreadable files."""
    if not path or "://" in path or path.startswith("data:"):
        return None
    if path in cache:
        return cache[path]
    from PIL import Image

    thumb = None
    try:
        with Image.open(path) as picture:
            picture.draft("RGB", (THUMB * 2, THUMB * 2))  # JPEG: decode at a fraction of the size
            small = picture.convert("RGBA")
            small.thumbnail((THUMB, THUMB))
            thumb = Thumb(small.width, small.height, small.tobytes())
    except (OSError, ValueError, Image.DecompressionBombError):
        thumb = None
    cache[path] = thumb
    return thumb
