"""The strip of shots: a thumbnail, the number, the join's icon, the state and the length of each; drag a
shot to reorder it (the panel asks the engine thread to save the new order)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDropEvent, QFont, QFontMetrics, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from wan_desktop.core.i18n import _, format_number, format_seconds
from wan_desktop.core.storyboard.model import Join
from wan_desktop.core.storyboard.view import ShotView

JOIN_ICONS = {Join.CUT: "✂", Join.LAST_FRAME: "⇥", Join.CLIP: "⟿", Join.REFERENCE: "⧉"}
SHOT_ID = Qt.ItemDataRole.UserRole
ICON = QSize(160, 90)
GRID_WIDTH = 190
MIN_GRID_HEIGHT = 170
TEXT_LINES = 3  # number, join and length; the state; the start of the prompt


def line_height(font: QFont) -> int:
    """A line of ``font`` with Chinese in it: the CJK fallback font is taller than the Latin one it stands in for."""
    metrics = QFontMetrics(font)
    return max(metrics.lineSpacing(), metrics.boundingRect("Ag国").height())


def shot_text(shot: ShotView, metrics: QFontMetrics | None = None) -> str:
    """The words under a shot's picture; with ``metrics``, the prompt is cut to the width of a tile (28 Chinese
    characters are twice as wide as 28 Latin ones)."""
    length = format_seconds(shot.seconds) if shot.seconds else "–"
    prompt = shot.prompt[:28]
    if metrics is not None:
        prompt = metrics.elidedText(prompt, Qt.TextElideMode.ElideRight, GRID_WIDTH - 16)
    return f"{shot.number} {JOIN_ICONS[shot.join]}  {length}\n{shot.state.label}\n{prompt}"


def shot_tooltip(shot: ShotView) -> str:
    return (
        _("Shot {number}: {join}. {state}.").format(
            number=format_number(shot.number), join=shot.join.label, state=shot.state.label
        )
        + f"\n{shot.prompt}"
    )


class ShotStrip(QListWidget):
    moved = Signal(str, int)  # shot id, its new place (0-based)
    chosen = Signal(str)  # shot id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Snap)
        self.setIconSize(ICON)
        self._fit_to_font()
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAccessibleName(_("Shots of the storyboard"))
        self.currentItemChanged.connect(lambda item, _old: item is not None and self.chosen.emit(item.data(SHOT_ID)))

    def show_shots(self, shots: tuple[ShotView, ...], pictures: dict[str, QPixmap]) -> None:
        current = self.current_shot()
        self.blockSignals(True)
        self.clear()
        for shot in shots:
            item = QListWidgetItem(shot_text(shot, self.fontMetrics()))
            item.setData(SHOT_ID, shot.shot_id)
            item.setToolTip(shot_tooltip(shot))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            picture = pictures.get(shot.shot_id)
            if picture is not None:
                item.setIcon(QIcon(picture))
            self.addItem(item)
            if shot.shot_id == current:
                self.setCurrentItem(item)
        self.blockSignals(False)

    def _fit_to_font(self) -> None:
        """Tall enough for the picture and three lines of the font in use (Chinese fonts are taller than Latin
        ones), and no taller: the strip keeps its height while the window grows."""
        grid = QSize(GRID_WIDTH, max(MIN_GRID_HEIGHT, ICON.height() + TEXT_LINES * line_height(self.font()) + 29))
        self.setGridSize(grid)
        self.setFixedHeight(grid.height() + max(26, self.horizontalScrollBar().sizeHint().height() + 12))

    def current_shot(self) -> str | None:
        item = self.currentItem()
        return item.data(SHOT_ID) if item is not None else None

    def shot_ids(self) -> list[str]:
        return [self.item(row).data(SHOT_ID) for row in range(self.count())]

    def dropEvent(self, event: QDropEvent) -> None:
        moving = self.current_shot()
        before = self.shot_ids()
        super().dropEvent(event)
        after = self.shot_ids()
        if moving is not None and after != before and moving in after:
            self.moved.emit(moving, after.index(moving))
