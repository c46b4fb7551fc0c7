"""Completion from the prompt history in the composer's prompt box, the history searched off the GUI thread.

A short pause after typing (``DELAY_MS``) starts one search on a worker; a newer keystroke makes the older
answer stale (it is dropped). The popup lists pinned prompts first, then the most recent.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QCompleter, QPlainTextEdit

from wan_desktop.core.prompt_history import PromptHistory

from .background import BackgroundCalls

DELAY_MS = 250
MIN_CHARS = 2
SUGGESTIONS = 12


class PromptCompleter(QObject):
    suggestions_ready = Signal(list)  # the prompts offered (tests wait on it)

    def __init__(self, edit: QPlainTextEdit, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent or edit)
        self._edit = edit
        self._history = PromptHistory(home)
        self._calls = BackgroundCalls(self, max_threads=1)
        self._token: int | None = None
        self._inserting = False
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.activated.connect(self.insert)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        edit.textChanged.connect(self._typed)

    def _typed(self) -> None:
        if not self._inserting:
            self._timer.start()

    def search_now(self) -> None:
        words = self._edit.toPlainText().strip()
        if self._token is not None:
            self._calls.cancel(self._token)
            self._token = None
        if len(words) < MIN_CHARS:
            self._hide_popup()
            return
        self._token = self._calls.run(
            lambda: self._search(words), lambda texts: self._found(words, texts), self._failed
        )

    def _search(self, words: str) -> list[str]:
        return [entry.text for entry in self._history.search(words, SUGGESTIONS + 1) if entry.text != words]

    def _found(self, words: str, texts: list[str]) -> None:
        self._token = None
        if words != self._edit.toPlainText().strip():
            return  # typed on meanwhile: a newer search follows
        self.model.setStringList(texts[:SUGGESTIONS])
        self.suggestions_ready.emit(texts[:SUGGESTIONS])
        if texts and self._edit.hasFocus():
            rect = self._edit.cursorRect()
            rect.setWidth(max(300, self._edit.width() // 2))
            self.completer.complete(rect)
        else:
            self._hide_popup()

    def _failed(self, _error: Exception) -> None:
        self._token = None  # a history that cannot be read offers nothing; typing goes on

    def insert(self, text: str) -> None:
        self._inserting = True
        try:
            self._edit.setPlainText(text)
            self._edit.moveCursor(QTextCursor.MoveOperation.End)
        finally:
            self._inserting = False
        self._hide_popup()

    def _hide_popup(self) -> None:
        if (popup := self.completer.popup()) is not None:
            popup.hide()

    def shutdown(self) -> None:
        self._timer.stop()
        self._calls.shutdown()
