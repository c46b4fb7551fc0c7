"""A drop zone for a first or last frame: files from the file manager, images dragged from a browser,
pasted image data, or Browse. Every local file is checked (and fixed, on request) off the GUI thread.

A drop replaces what the zone held, once the new items are known to be images: dropping a text file
says so and leaves the current picture alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import images
from wan_desktop.core.dashscope.catalog import ImageLimits
from wan_desktop.core.dashscope.inputs import local_path
from wan_desktop.core.i18n import _
from wan_desktop.core.images import ImageFix, ImageIssue, ImageReport

from . import theme
from .background import BackgroundCalls
from .image_preview import FrameEntry, ImagePreview
from .thumbnails import ThumbnailCache

_RAW_IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp")


def image_filter() -> str:
    return _("Images (*.png *.jpg *.jpeg *.bmp *.webp *.gif *.tif *.tiff *.heic);;All files (*)")


@dataclass(frozen=True)
class ImageChecker:
    """The image work the composer needs, as plain functions (tests may pass fakes)."""

    inspect: Callable[[Path, ImageLimits], ImageReport] = images.inspect_image
    fix: Callable[[Path, ImageLimits, Path], ImageFix] = images.fix_image
    save_bytes: Callable[[bytes, Path, str], Path] = images.save_image_bytes


def http_urls(mime: QMimeData) -> list[str]:
    urls = [u.toString() for u in mime.urls() if u.scheme() in ("http", "https")]
    if not urls and mime.hasText():
        text = mime.text().strip()
        if text.startswith(("http://", "https://")) and len(text.split()) == 1:
            urls = [text]
    return urls


def local_files(mime: QMimeData) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


def image_bytes(mime: QMimeData) -> bytes | None:
    """Encoded image data carried by the mime data (a browser drag or a copied picture), if any."""
    for kind in _RAW_IMAGE_TYPES:
        if mime.hasFormat(kind):
            data = bytes(mime.data(kind).data())
            if data:
                return data
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            buffer = QByteArray()
            device = QBuffer(buffer)
            device.open(QIODevice.OpenModeFlag.WriteOnly)
            # in memory: lossless, and keeps what the person copied. The stubs type format as bytes, which
            # PySide6 refuses at run time; it takes the str
            image.save(device, "PNG")  # pyright: ignore[reportCallIssue, reportArgumentType]
            return bytes(buffer.data())
    return None


class DropZone(QFrame):
    """``changed`` fires whenever the zone's entries change; ``message`` carries a sentence for the person."""

    changed = Signal()

    def __init__(
        self,
        what: str,
        *,
        calls: BackgroundCalls,
        checker: ImageChecker,
        scratch_dir: Path,
        thumbnails: ThumbnailCache,
        multiple: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.what = what
        self._calls = calls
        self._checker = checker
        self._scratch = Path(scratch_dir)
        self._thumbs = thumbnails
        self._multiple = multiple
        self._limits = ImageLimits()
        self._model_label = ""
        self._entries: list[FrameEntry] = []
        self._pending_imports = 0
        self._generation = 0  # bumps when limits change, so stale check results are dropped
        self._build_widgets(what, multiple)
        thumbnails.ready.connect(self._thumbnail_ready)
        self._refresh()

    def _build_widgets(self, what: str, multiple: bool) -> None:
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so Ctrl+V can target this zone
        self.setAccessibleName(_("{what} drop zone").format(what=what))
        self.setAccessibleDescription(
            _("Drop image files or a picture from a web browser here, paste with Ctrl+V, or use Browse")
        )
        hint = (
            _("Drop images here (several make a batch), paste with Ctrl+V, or")
            if multiple
            else _("Drop an image here, paste with Ctrl+V, or")
        )
        self.hint = QLabel(f"<b>{what}</b><br>{hint}")
        self.hint.setWordWrap(True)
        self.browse_button = QPushButton(_("&Browse…") if multiple else _("Br&owse…"))
        theme.name(self.browse_button, _("Browse for the {what}").format(what=what.lower()))
        self.browse_button.clicked.connect(self.browse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("{what} status").format(what=what))
        self.list = QListWidget()
        self.list.setIconSize(QSize(48, 48))
        # about two and a half rows of 48-pixel thumbnails, or of text when the font is the taller one
        self.list.setMaximumHeight(max(120, self.list.fontMetrics().lineSpacing() * 6))
        theme.name(self.list, _("{what} batch").format(what=what), _("One video is made for each image in this list"))
        self.list.currentRowChanged.connect(lambda _row: self._refresh_preview())
        self.preview = ImagePreview(what)
        self.preview.fix_clicked.connect(self.fix_all)
        self.preview.clear_clicked.connect(self.clear)

        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.list)
        layout.addWidget(self.preview)

    # -- what the composer reads ------------------------------------------------------------------
    def entries(self) -> list[FrameEntry]:
        return list(self._entries)

    def references(self) -> list[str]:
        return [entry.reference for entry in self._entries]

    @property
    def busy(self) -> bool:
        return self._pending_imports > 0 or any(entry.busy for entry in self._entries)

    def status_text(self) -> str:
        return self.status.text()

    def set_limits(self, limits: ImageLimits, model_label: str) -> None:
        """A new model: check every local image again against its limits."""
        self._model_label = model_label
        if limits == self._limits:
            self._refresh()
            return
        self._limits = limits
        self._generation += 1
        for entry in self._entries:
            if not entry.remote:
                self._recheck(entry.reference)
        self._refresh()

    # -- ways in ------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or any(mime.hasFormat(t) for t in _RAW_IMAGE_TYPES) or http_urls(mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.add_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def add_mime(self, mime: QMimeData) -> bool:
        """Take files, image data or web URLs from a drop or the clipboard; False when nothing usable."""
        files = local_files(mime)
        if files:
            self.add_paths(files)
            return True
        data = image_bytes(mime)
        if data is not None:
            self.add_image_bytes(data)
            return True
        urls = http_urls(mime)
        if urls:
            self.add_urls(urls)
            return True
        self._say(_("There is no image in what was dropped or pasted."), "error")
        return False

    def browse(self) -> None:
        title = _("Choose the {what}").format(what=self.what.lower())
        if self._multiple:
            paths, _chosen = QFileDialog.getOpenFileNames(self, title, "", image_filter())
        else:
            path, _chosen = QFileDialog.getOpenFileName(self, title, "", image_filter())
            paths = [path] if path else []
        self.browse_selected([Path(p) for p in paths])

    def browse_selected(self, paths: list[Path]) -> None:
        """What Browse does with the chosen files (tests call this instead of the dialog)."""
        if paths:
            self.add_paths(paths)

    def add_paths(self, paths: list[Path]) -> None:
        limits, generation = self._limits, self._generation
        calls = [lambda p=Path(p): (str(p), self._checker.inspect(p, limits)) for p in paths]
        self._start_import(calls, generation)

    def add_image_bytes(self, data: bytes) -> None:
        limits, scratch, save = self._limits, self._scratch, self._checker.save_bytes

        def keep_and_check() -> tuple[str, ImageReport]:
            scratch.mkdir(parents=True, exist_ok=True)
            path = save(data, scratch, "pasted")
            return str(path), self._checker.inspect(path, limits)

        self._start_import([keep_and_check], self._generation)

    def add_urls(self, urls: list[str]) -> None:
        chosen = urls if self._multiple else urls[:1]
        self._replace([FrameEntry(url) for url in chosen])
        self._say(_("Linked images are sent as links; the service downloads and checks them."), "muted")

    def set_references(self, references: list[str]) -> None:
        """Fill the zone from a saved request (remix): local files are checked again."""
        local = [path for r in references if (path := local_path(r)) is not None]  # plain paths and file:// URLs
        remote = [FrameEntry(r) for r in references if local_path(r) is None]
        self._replace(remote)
        if local:
            self.add_paths(local)

    def clear(self) -> None:
        self._replace([])
        self._say("", "muted")

    # -- importing off the GUI thread --------------------------------------------------------------------
    def _start_import(self, calls: list[Callable[[], tuple[str, ImageReport]]], generation: int) -> None:
        if not calls:
            return
        results: list[tuple[str, ImageReport] | Exception | None] = [None] * len(calls)
        remaining = [len(calls)]
        self._pending_imports += 1

        def arrived(index: int, value: tuple[str, ImageReport] | Exception) -> None:
            results[index] = value
            remaining[0] -= 1
            if remaining[0] == 0:
                self._pending_imports -= 1
                self._finish_import([r for r in results if r is not None], generation)  # all have arrived

        for index, call in enumerate(calls):
            self._calls.run(call, lambda value, i=index: arrived(i, value), lambda error, i=index: arrived(i, error))
        self._say(_("Checking…"), "muted")
        self._refresh()

    def _finish_import(self, results: list[tuple[str, ImageReport] | Exception], generation: int) -> None:
        accepted: list[FrameEntry] = []
        rejected: list[str] = []
        for value in results:
            if isinstance(value, Exception):
                rejected.append(_error_sentence(value))
                continue
            reference, report = value
            if ImageIssue.NOT_AN_IMAGE in report.issues:
                rejected.append(report.summary)
            else:
                accepted.append(FrameEntry(reference, report))
        if len(accepted) > 1 and not self._multiple:
            rejected.append(_("Only one {what} is used; the first image was kept.").format(what=self.what.lower()))
            accepted = accepted[:1]
        if accepted:
            self._replace(accepted)
            if generation != self._generation:  # the model changed while these were checked
                for entry in accepted:
                    self._recheck(entry.reference)
        self._say(" ".join(rejected), "error" if rejected else "muted")
        self._refresh()

    def _recheck(self, reference: str) -> None:
        limits, generation = self._limits, self._generation
        self._update(reference, lambda e: e.checking())
        self._calls.run(
            lambda: self._checker.inspect(Path(reference), limits),
            lambda report: self._rechecked(reference, report, generation),
            lambda error: self._update(reference, lambda e: replace(e, busy=False, error=_error_sentence(error))),
        )

    def _rechecked(self, reference: str, report: ImageReport, generation: int) -> None:
        if generation == self._generation:
            self._update(reference, lambda e: replace(e, report=report, busy=False))

    def fix_all(self) -> None:
        for entry in self._entries:
            if entry.fixable:
                self._fix(entry)

    def _fix(self, entry: FrameEntry) -> None:
        limits, scratch, generation = self._limits, self._scratch, self._generation
        source = entry.reference

        def fix_and_check() -> tuple[ImageFix, ImageReport]:
            scratch.mkdir(parents=True, exist_ok=True)
            fixed = self._checker.fix(Path(source), limits, scratch)
            return fixed, self._checker.inspect(fixed.path, limits)

        def fixed(result: tuple[ImageFix, ImageReport]) -> None:
            fix, report = result
            self._update(
                source,
                lambda e: replace(
                    e,
                    reference=str(fix.path),
                    report=report,
                    busy=False,
                    changes=fix.changes,
                    original=e.original or source,
                ),
            )
            if generation != self._generation:
                self._recheck(str(fix.path))

        self._update(source, lambda e: e.checking())

        def failed(error: Exception) -> None:
            self._update(source, lambda e: replace(e, busy=False, error=_error_sentence(error)))

        self._calls.run(fix_and_check, fixed, failed)

    # -- bookkeeping --------------------------------------------------------------------------------------
    def _replace(self, entries: list[FrameEntry]) -> None:
        self._entries = list(entries)
        self._refresh()

    def _update(self, reference: str, change: Callable[[FrameEntry], FrameEntry]) -> None:
        self._entries = [change(e) if e.reference == reference else e for e in self._entries]
        self._refresh()

    def _say(self, text: str, kind: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.css_colour(kind)}")
        self.status.setVisible(bool(text))

    def _refresh(self) -> None:
        current = max(0, self.list.currentRow())
        self.list.blockSignals(True)
        self.list.clear()
        for entry in self._entries:
            mark = "…" if entry.busy else ("✓" if entry.usable else "⚠")
            item = QListWidgetItem(f"{mark} {entry.name}")
            if not entry.remote:
                item.setIcon(self._thumbs.pixmap(entry.reference))
            item.setToolTip(entry.reference)
            self.list.addItem(item)
        self.list.setCurrentRow(min(current, len(self._entries) - 1))
        self.list.blockSignals(False)
        self.list.setVisible(len(self._entries) > 1)
        if self._pending_imports == 0 and self.status.text() == _("Checking…"):
            self._say("", "muted")
        self._refresh_preview()
        self.changed.emit()

    def _refresh_preview(self) -> None:
        row = self.list.currentRow()
        entry = self._entries[row] if 0 <= row < len(self._entries) else None
        pixmap = None
        if entry is not None and not entry.remote:
            pixmap = self._thumbs.cached(entry.reference) or self._thumbs.pixmap(entry.reference)
        fixable = sum(1 for e in self._entries if e.fixable or (e.busy and e.report is not None and not e.report.ok))
        self.preview.show_entry(entry, pixmap, self._model_label, fixable)

    def _thumbnail_ready(self, path: str) -> None:
        if path in self.references():
            self._refresh()


def _error_sentence(error: Exception) -> str:
    if isinstance(error, ValueError):
        return str(error)  # the core's ValueErrors are sentences for the person
    if isinstance(error, OSError):
        return _("The image could not be read or written ({error}).").format(error=error.strerror or error)
    return _("Something went wrong with the image: {error}").format(error=error)
