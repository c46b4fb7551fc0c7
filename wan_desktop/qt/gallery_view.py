"""The gallery grid: tiles with thumbnail, duration, model and state, and a hover preview.

Thumbnails are decoded on pool threads into ``QImage`` and kept in a bounded LRU of pixmaps, so scrolling
through 10,000 tiles never reads a file on the GUI thread and memory stays flat. Work is taken newest first
(a stack): the tiles on screen now load before those scrolled past, and requests for tiles long gone are
dropped when the stack overflows. The hover preview decodes a few frames of the video (``media.extract_frames``)
off the GUI thread, keeps the last few videos' frames, and cycles through them on a timer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from datetime import datetime

from PIL import Image, ImageOps
from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from wan_desktop.core import media
from wan_desktop.core.history import GalleryItem
from wan_desktop.core.i18n import _, format_seconds, format_short_datetime
from wan_desktop.core.jobs import JobState

from . import theme
from .background import BackgroundCalls, WorkContext
from .gallery_model import ItemRole

log = logging.getLogger(__name__)


TILE = QSize(184, 150)  # with a Latin font; the delegate makes it taller for a taller font (Chinese)
PICTURE = QSize(176, 99)  # 16:9 inside the tile
CACHE_TILES = 200  # thumbnails (and rendered tiles) kept: several screens, about 35 MB together
MAX_WAITING = 120  # thumbnail requests kept waiting; older ones are dropped (their tiles scrolled away)
SCROLL_QUIET_S = 0.15  # the grid counts as scrolling this long after it last moved
SCROLL_PACE_S = 0.05
DECODERS = 1
PREVIEW_FRAMES = 6
PREVIEW_VIDEOS = 8
PREVIEW_STEP_MS = 300


# -- thumbnails --------------------------------------------------------------------------------------------
def _be_nice() -> None:
    """Decoding yields the CPU to the GUI thread: on a busy two-core machine a thumbnail may come a little
    later, but a scroll must not stutter. (Linux lets a thread lower its own priority; elsewhere a no-op.)"""
    if not hasattr(os, "setpriority") or getattr(_niced, "done", False):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except OSError:
        pass
    _niced.done = True


_niced = threading.local()


def _read_scaled(path: str, size: QSize) -> QImage:
    """Decode with Pillow, which lets go of the GIL while it decodes and scales (so the GUI thread keeps
    painting); JPEG draft mode decodes at a fraction of the size straight away."""
    try:
        with Image.open(path) as picture:
            picture.draft("RGB", (size.width(), size.height()))
            picture = ImageOps.exif_transpose(picture).convert("RGB")
            picture.thumbnail((size.width(), size.height()), Image.Resampling.BILINEAR)
            data = picture.tobytes()
            image = QImage(data, picture.width, picture.height, picture.width * 3, QImage.Format.Format_RGB888)
            return image.copy()  # own the pixels: ``data`` goes away with this frame
    except (OSError, ValueError, Image.DecompressionBombError):
        return QImage()  # null: the caller stops waiting on it


class TileImages(QObject):
    """``pixmap(path)`` answers at once with the cached picture or None (loading started)."""

    ready = Signal(str)

    def __init__(self, size: QSize = PICTURE, capacity: int = CACHE_TILES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self.capacity = capacity
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        self._stack: list[str] = []  # guarded by _lock; the newest request is taken first
        self._queued: set[str] = set()  # waiting or being read (GUI thread only)
        self._workers = 0  # guarded by _lock
        self._start_scheduled = False
        self._scrolled_at = 0.0
        # one decoder keeps up with scrolling and competes less with the GUI
        self._calls = BackgroundCalls(self, max_threads=DECODERS)
        self._closed = False

    def pixmap(self, path: str | None) -> QPixmap | None:
        if not path:
            return None
        cached = self._cache.get(path)
        if cached is not None:
            self._cache.move_to_end(path)
            return cached
        if path not in self._queued and path not in self._failed and not self._closed:
            self._request(path)
        return None

    def _request(self, path: str) -> None:
        self._queued.add(path)
        dropped: list[str] = []
        with self._lock:
            self._stack.append(path)
            if len(self._stack) > MAX_WAITING:
                dropped, self._stack = self._stack[:-MAX_WAITING], self._stack[-MAX_WAITING:]
            start = self._workers < DECODERS
        self._queued.difference_update(dropped)  # asked again if their tile comes back into view
        if start and not self._start_scheduled:
            # Start after this paint, not during it: a decoding thread competes for the GIL, and the
            # screenful being painted should reach the screen first.
            self._start_scheduled = True
            QTimer.singleShot(0, self, self._start_workers)

    def _start_workers(self) -> None:
        self._start_scheduled = False
        if self._closed:
            return
        with self._lock:
            wanted = min(len(self._stack), DECODERS - self._workers)
            self._workers += max(0, wanted)
        for _worker in range(max(0, wanted)):
            self._calls.start(self._decode, lambda _none: None, self._decoder_failed, self._arrived)

    def note_scroll(self) -> None:
        """The grid is moving: decode at a gentle pace so the GUI thread keeps the GIL for painting."""
        self._scrolled_at = time.monotonic()

    def _decode(self, context: WorkContext) -> None:
        """Pool thread: takes the newest waiting path until none is left (or the owner shuts down)."""
        _be_nice()
        while True:
            # While the person scrolls, one picture per SCROLL_PACE_S: tiles still fill in, but a fling
            # through 10,000 tiles is not fought over by a decoder that wants the GIL for every tile.
            if time.monotonic() - self._scrolled_at < SCROLL_QUIET_S and context.wait(SCROLL_PACE_S):
                self._take(stop=True)
                return
            path = self._take()
            if path is None:
                return
            context.report((path, _read_scaled(path, self.size)))

    def _decoder_failed(self, error: Exception) -> None:
        # Not expected (reading returns a null image on any file problem); the next request starts another.
        log.error("thumbnail decoder stopped: %s", error)
        with self._lock:
            self._workers = max(0, self._workers - 1)

    def _take(self, stop: bool = False) -> str | None:
        with self._lock:
            if self._stack and not self._closed and not stop:
                return self._stack.pop()
            self._workers -= 1
            return None

    def _arrived(self, decoded: tuple[str, QImage]) -> None:
        path, image = decoded
        self._queued.discard(path)
        if self._closed:
            return
        if image.isNull():
            self._failed.add(path)
            return
        self._cache[path] = QPixmap.fromImage(image)
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        self.ready.emit(path)

    def forget(self, path: str) -> None:
        self._cache.pop(path, None)
        self._failed.discard(path)

    def cached_count(self) -> int:
        return len(self._cache)

    def is_loading(self) -> bool:
        return bool(self._queued)

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            self._stack.clear()
        self._calls.shutdown()


# -- hover preview ------------------------------------------------------------------------------------------
def read_frames(video: str, size: QSize) -> list[QImage]:
    """Pool thread: a few frames of the video for the hover preview; none when it cannot be read."""
    _be_nice()
    images: list[QImage] = []
    try:
        for picture in media.extract_frames(video, PREVIEW_FRAMES, max(size.width(), 1)):
            rgb = picture.convert("RGB")
            data = rgb.tobytes()
            frame = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
            images.append(frame.copy())  # detach from the bytes, which go away with this frame
    except media.MediaError:
        return []
    return images


class HoverFrames(QObject):
    """A few frames per video for the hover preview, decoded off the GUI thread, the last few kept."""

    ready = Signal(str)

    def __init__(self, size: QSize = PICTURE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._frames: OrderedDict[str, list[QPixmap]] = OrderedDict()
        self._pending: set[str] = set()
        self._calls = BackgroundCalls(self, max_threads=1)
        self._closed = False

    def frames(self, video: str) -> list[QPixmap] | None:
        if video in self._frames:
            self._frames.move_to_end(video)
            return self._frames[video]
        if video not in self._pending and not self._closed:
            self._pending.add(video)
            size = self._size
            self._calls.run(
                lambda: read_frames(video, size),
                lambda images: self._arrived(video, images),
                lambda _error: self._arrived(video, []),  # an unreadable video shows no preview
            )
        return None

    def _arrived(self, video: str, images: list) -> None:
        self._pending.discard(video)
        if self._closed:
            return
        self._frames[video] = [QPixmap.fromImage(image) for image in images]
        while len(self._frames) > PREVIEW_VIDEOS:
            self._frames.popitem(last=False)
        self.ready.emit(video)

    def shutdown(self) -> None:
        self._closed = True
        self._calls.shutdown()


# -- painting -----------------------------------------------------------------------------------------------
def overlay_text(item: GalleryItem) -> str | None:
    """The words on a tile's picture: none on a finished video, else the core's wording of its state."""
    if item.missing:
        return _("Video missing")
    return None if item.state is JobState.DONE else item.state.label


# Computed once: paint runs for every visible tile on every frame while scrolling.
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignCenter
_WHITE = QColor("white")
_DARK = QColor(0, 0, 0, 170)
_PICTURE_BACK = QColor(40, 40, 40)


class TileDelegate(QStyledItemDelegate):
    def __init__(self, images: TileImages, view: GalleryView) -> None:
        super().__init__(view)
        self._images = images
        self._view = view
        self._small = QFont()
        self._small.setPointSizeF(max(7.0, self._small.pointSizeF() * 0.85))
        # the two lines under the picture are as tall as the font needs: CJK fonts are taller than Latin ones
        metrics = QFontMetrics(self._small)
        self._line = max(metrics.height(), metrics.boundingRect("Ag国").height())
        self.tile = QSize(TILE.width(), max(TILE.height(), 4 + PICTURE.height() + 4 + 2 * self._line + 2 + 6))
        self._tiles: OrderedDict[tuple, QPixmap] = OrderedDict()  # rendered tiles, bounded like thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return self.tile

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        item: GalleryItem | None = index.data(ItemRole)
        if item is None:
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        preview = self._view.preview_pixmap(item)
        if preview is not None:  # the hovered tile changes every few hundred ms: drawn directly
            painter.save()
            painter.translate(option.rect.topLeft())
            self._draw(painter, option.palette, item, selected, preview)
            painter.restore()
            return
        thumbnail = self._images.pixmap(item.thumbnail)
        if thumbnail is None and item.thumbnail:  # still loading: drawn directly, cached once it has its picture
            painter.save()
            painter.translate(option.rect.topLeft())
            self._draw(painter, option.palette, item, selected, None)
            painter.restore()
            return
        key = (item, selected, thumbnail.cacheKey() if thumbnail is not None else 0)
        tile = self._tiles.get(key)
        if tile is None:
            tile = self._render(option, item, selected, thumbnail)
            self._tiles[key] = tile
            while len(self._tiles) > CACHE_TILES:
                self._tiles.popitem(last=False)
        else:
            self._tiles.move_to_end(key)
        painter.drawPixmap(option.rect.topLeft(), tile)

    def _render(self, option: QStyleOptionViewItem, item: GalleryItem, selected: bool, thumbnail) -> QPixmap:
        """The whole tile as one pixmap: scrolling then draws one picture per tile instead of a dozen calls."""
        ratio = self._view.devicePixelRatioF()
        tile = QPixmap(self.tile * ratio)
        tile.setDevicePixelRatio(ratio)
        tile.fill(Qt.GlobalColor.transparent)
        painter = QPainter(tile)
        try:
            self._draw(painter, option.palette, item, selected, thumbnail)
        finally:
            painter.end()
        return tile

    def _draw(self, painter: QPainter, palette: QPalette, item: GalleryItem, selected: bool, pixmap) -> None:
        whole = QRect(0, 0, self.tile.width(), self.tile.height())
        rect = whole.adjusted(4, 4, -4, -4)
        if selected:
            painter.fillRect(whole, palette.color(QPalette.ColorRole.Highlight))
        picture = QRect(rect.topLeft(), PICTURE)
        painter.fillRect(picture, _PICTURE_BACK)
        if pixmap is not None and not pixmap.isNull():
            size = pixmap.size().scaled(PICTURE, Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(picture.center())
            painter.drawPixmap(target, pixmap)
        self._overlay(painter, picture, item)
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.setPen(text_colour)
        painter.setFont(self._small)
        line = QRect(rect.left(), picture.bottom() + 4, rect.width(), self._line)
        star = "★ " if item.favourite else ""
        painter.drawText(line, _LEFT, f"{star}{item.model}")
        painter.drawText(line, _RIGHT, item.resolution)
        prompt_line = QRect(rect.left(), line.bottom() + 2, rect.width(), self._line)
        elided = painter.fontMetrics().elidedText(item.prompt, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(prompt_line, _LEFT, elided)

    def _overlay(self, painter: QPainter, picture: QRect, item: GalleryItem) -> None:
        painter.setFont(self._small)
        if item.duration and item.state is JobState.DONE:
            self._badge(painter, picture, format_seconds(item.duration), True, _DARK)
        words = overlay_text(item)
        if words:
            colour = theme.colours().error if item.missing or item.state is JobState.FAILED else QColor(0, 0, 0)
            colour = QColor(colour)
            colour.setAlpha(200)
            self._badge(painter, picture, words, False, colour)

    @staticmethod
    def _badge(painter: QPainter, area: QRect, text: str, bottom_right: bool, background: QColor) -> None:
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 8, metrics.height() + 2
        if bottom_right:
            box = QRect(area.right() - 3 - width, area.bottom() - 3 - height, width, height)
        else:
            box = QRect(area.left() + 3, area.top() + 3, width, height)
        painter.fillRect(box, background)
        painter.setPen(_WHITE)
        painter.drawText(box, _CENTRE, text)


class GalleryView(QListView):
    """A grid of tiles. Call ``shutdown()`` before it goes away (it owns pool threads)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)  # the layout of 10,000 tiles without asking each for its size
        self.setLayoutMode(QListView.LayoutMode.SinglePass)  # uniform tiles: one pass over 10,000 is quick
        self.setSpacing(0)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.setAccessibleName(_("Gallery of videos"))
        self.images = TileImages(parent=self)
        self.hover = HoverFrames(parent=self)
        delegate = TileDelegate(self.images, self)
        self.setItemDelegate(delegate)
        self.setGridSize(delegate.tile)
        self.images.ready.connect(lambda _path: self.viewport().update())
        self.verticalScrollBar().valueChanged.connect(lambda _value: self.images.note_scroll())
        self.hover.ready.connect(self._preview_arrived)
        self._hovered = QPersistentModelIndex()
        self._frame = 0
        self._timer = QTimer(self)
        self._timer.setInterval(PREVIEW_STEP_MS)
        self._timer.timeout.connect(self._next_frame)
        self.paint_count = 0
        # Shown when there are no tiles; the panel says whether nothing exists yet or nothing matches.
        self.empty_text = _("No videos yet. Videos you make in Create appear here, and stay here offline.")

    # -- hover preview ------------------------------------------------------------------------------------
    def preview_pixmap(self, item: GalleryItem) -> QPixmap | None:
        hovered = self._hovered.isValid() and self._hovered.data(ItemRole) is item
        if not hovered or not item.has_video or item.video is None:
            return None
        frames = self.hover.frames(item.video)
        return frames[self._frame % len(frames)] if frames else None

    def hover_index(self, index: QModelIndex) -> None:
        """Start (or stop, with an invalid index) the preview of a tile."""
        if QPersistentModelIndex(index) == self._hovered:
            return
        old = self._hovered
        self._hovered = QPersistentModelIndex(index) if index.isValid() else QPersistentModelIndex()
        self._frame = 0
        for each in (old, self._hovered):
            if each.isValid():
                self.update(each)
        item = index.data(ItemRole) if index.isValid() else None
        if item is not None and item.has_video:
            self.hover.frames(item.video)
            self._timer.start()
        else:
            self._timer.stop()

    @property
    def preview_frame(self) -> int:
        return self._frame

    def _preview_arrived(self, _video: str) -> None:
        if self._hovered.isValid():
            self.update(self._hovered)

    def _next_frame(self) -> None:
        if not self._hovered.isValid():
            self._timer.stop()
            return
        self._frame += 1
        self.update(self._hovered)

    def mouseMoveEvent(self, event) -> None:
        self.hover_index(self.indexAt(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self.hover_index(QModelIndex())
        super().leaveEvent(event)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(theme.colours().muted)
            painter.drawText(
                self.viewport().rect().adjusted(24, 24, -24, -24),
                int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                self.empty_text,
            )
            painter.end()
        self.paint_count += 1

    def shutdown(self) -> None:
        self._timer.stop()
        self.images.shutdown()
        self.hover.shutdown()


def when_text(timestamp: float) -> str:
    return format_short_datetime(datetime.fromtimestamp(timestamp))
