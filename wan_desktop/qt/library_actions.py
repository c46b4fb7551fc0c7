"""The Library tab's actions: the buttons under the player, the "More…" menu and the grid's context menu.

What may be done to the selected job comes from the core's rulebook (``jobs.allowed_actions``): a running job
cannot be a favourite, and only a finished one goes to the trash. The rest needs the video on disk."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QWidget

from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job, JobAction, allowed_actions


def buttons() -> tuple[tuple[str, str], ...]:
    """The buttons under the player: (key, words)."""
    return (
        ("remix", _("Remix")),
        ("continue", _("Continue from last frame")),
        ("continue_clip", _("Continue the clip (wan2.7)")),
        ("last_frame", _("Use frame as last frame")),
        ("favourite", _("Favourite")),
        ("more", _("More…")),
    )


def menu() -> tuple[tuple[str, str], ...]:
    """The "More…" menu: (key, words)."""
    return (
        ("play", _("Play")),
        ("reveal", _("Reveal in the file manager")),
        ("open", _("Open in the system player")),
        ("copy", _("Copy prompt")),
        ("export", _("Export a copy with its notes…")),
        ("keep", _("Mark as kept")),
        ("reject", _("Mark as rejected")),
        ("storyboard", _("Make a storyboard from this lineage")),
        ("delete", _("Move to the trash…")),
    )


def health() -> tuple[tuple[str, str], ...]:
    return (("relink", _("Relink a moved library…")), ("import", _("Import a folder of Wan Desktop videos…")))


def mark_text(key: str, marked: bool) -> str:
    """The keep or reject menu entry: it takes the mark off when the clip has it."""
    if key == "keep":
        return _("Unmark as kept") if marked else _("Mark as kept")
    return _("Unmark as rejected") if marked else _("Mark as rejected")


_NEED_VIDEO = ("continue", "continue_clip", "last_frame", "play", "reveal", "open", "export", "storyboard")


class ActionBar(QWidget):
    """``handlers`` maps every key of ``buttons()`` (but "more"), ``menu()`` and ``health()`` to what it does."""

    def __init__(self, handlers: Mapping[str, Callable[[], None]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in buttons():
            button = QPushButton(text)
            button.setAccessibleName(text)
            layout.addWidget(button)
            self.buttons[key] = button
            if key in handlers:
                button.clicked.connect(handlers[key])
        self.more_menu = QMenu(self)
        self.menu_actions: dict[str, QAction] = {}
        for key, text in menu():
            self.menu_actions[key] = self.more_menu.addAction(text, handlers[key])
        self.more_menu.addSeparator()
        for key, text in health():
            self.more_menu.addAction(text, handlers[key])
        self.buttons["more"].setMenu(self.more_menu)

    def update_for(self, job: Job | None, has_video: bool) -> None:
        allowed = allowed_actions(job) if job is not None else frozenset()
        for key in _NEED_VIDEO:
            widget = self.buttons.get(key) or self.menu_actions[key]
            widget.setEnabled(has_video)
        self.buttons["remix"].setEnabled(job is not None)
        self.menu_actions["copy"].setEnabled(job is not None)
        self.buttons["favourite"].setEnabled(JobAction.FAVOURITE in allowed)
        self.buttons["favourite"].setText(_("Unfavourite") if job is not None and job.favourite else _("Favourite"))
        self.menu_actions["delete"].setEnabled(JobAction.DELETE in allowed)
        kept = job.kept if job is not None else None
        for key, mark in (("keep", True), ("reject", False)):
            self.menu_actions[key].setEnabled(JobAction.KEEP in allowed)
            self.menu_actions[key].setText(mark_text(key, kept is mark))

    def context_menu(self, owner: QWidget, at: QPoint) -> QMenu:
        """The buttons' actions (as enabled now) and the "More…" menu, in one menu."""
        menu = QMenu(owner)
        for key in ("remix", "continue", "continue_clip", "last_frame", "favourite"):
            button = self.buttons[key]
            menu.addAction(button.text(), button.click).setEnabled(button.isEnabled())
        menu.addSeparator()
        for action in self.more_menu.actions():
            menu.addAction(action)
        menu.popup(at)
        return menu
