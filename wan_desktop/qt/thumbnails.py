"""Small previews of input images, read off the GUI thread and cached.

Reading and scaling a 20 MB PNG takes long enough to stutter a list, so a pool thread decodes it into a
``QImage`` (safe outside the GUI thread) and the GUI thread turns it into a ``QPixmap`` (which is not).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPixmap


class _Carrier(QObject):
    """Lives in the GUI thread; a pool thread emits on it, Qt queues the call to the GUI thread."""

    done = Signal(str, QImage)


class _ReadThumbnail(QRunnable):
    def __init__(self, path: str, size: QSize, carrier: _Carrier) -> None:
        super().__init__()
        self._path = path
        self._size = size
        self._carrier = carrier

    def run(self) -> None:
        image = QImage()
        try:
            reader = QImageReader(self._path)
            reader.setAutoTransform(True)  # honour EXIF rotation, as the service would see it upright
            original = reader.size()
            if original.isValid() and not original.isEmpty():
                reader.setScaledSize(original.scaled(self._size, Qt.AspectRatioMode.KeepAspectRatio))
            image = reader.read()
        finally:
            # An unreadable file still reports back (a null image) so the caller stops waiting on it.
            self._carrier.done.emit(self._path, image)


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
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._carrier = _Carrier(self)
        self._carrier.done.connect(self._on_done)
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
            self._pool.start(_ReadThumbnail(path, self._size, self._carrier))
        return self.placeholder()

    def is_loading(self) -> bool:
        return bool(self._pending)

    @Slot(str, QImage)
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
        self._pool.clear()
        self._pool.waitForDone()
