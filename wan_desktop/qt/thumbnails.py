"""Small previews of input images, read off the GUI thread and cached.

Reading and scaling a 20 MB PNG takes long enough to stutter a list, so a pool thread decodes it into a
``QImage`` (safe outside the GUI thread) and the GUI thread turns it into a ``QPixmap`` (which is not).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPixmap

from .background import BackgroundCalls


def read_thumbnail(path: str, size: QSize) -> QImage:
    """Pool thread: the picture scaled to fit ``size``; a null image when the file cannot be read."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # honour EXIF rotation, as the service would see it upright
    original = reader.size()
    if original.isValid() and not original.isEmpty():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class ThumbnailCache(QObject):
    """``pixmap(path)`` answers at once: the cached preview, or a placeholder while it loads.

    ``ready(path)`` is emitted when a preview arrives. Call ``shutdown()`` before the owner goes away."""

    ready = Signal(str)

    def __init__(self, size: QSize = QSize(96, 96), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._cache: dict[str, QPixmap] = {}
        self._failed: set[str] = set()
        self._pending: set[str] = set()
        self._calls = BackgroundCalls(self, max_threads=2)
        self._placeholder: QPixmap | None = None
        self._closed = False

    @property
    def size(self) -> QSize:
        return self._size

    def placeholder(self) -> QPixmap:
        if self._placeholder is None:
            pixmap = QPixmap(self._size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setPen(QColor(128, 128, 128, 160))
            painter.drawRoundedRect(pixmap.rect().adjusted(2, 2, -3, -3), 6, 6)
            painter.end()
            self._placeholder = pixmap
        return self._placeholder

    def cached(self, path: str) -> QPixmap | None:
        return self._cache.get(path)

    def pixmap(self, path: str | None) -> QPixmap:
        if not path:
            return self.placeholder()
        if path in self._cache:
            return self._cache[path]
        if path not in self._pending and path not in self._failed and not self._closed:
            self._pending.add(path)
            size = self._size
            # An unreadable file still answers (a null image), so the cache stops waiting on it.
            self._calls.run(
                lambda: read_thumbnail(path, size),
                lambda image: self._on_done(path, image),
                lambda _error: self._on_done(path, QImage()),
            )
        return self.placeholder()

    def is_loading(self) -> bool:
        return bool(self._pending)

    def _on_done(self, path: str, image: QImage) -> None:
        self._pending.discard(path)
        if image.isNull():
            self._failed.add(path)
            return
        self._cache[path] = QPixmap.fromImage(image)
        self.ready.emit(path)

    def shutdown(self) -> None:
        """Drop work not started and wait for what is running, so no pool thread outlives the owner."""
        self._closed = True
        self._calls.shutdown()
