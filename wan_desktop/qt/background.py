"""Run a plain function off the GUI thread and get its result (or its error) back on the GUI thread.

Widgets use this for short blocking work (reading an image, checking a key). Exceptions are not swallowed:
they reach the caller's ``on_error`` with the exception object. ``shutdown()`` waits for running calls, so
no pool thread outlives the widget, and drops callbacks, so no late result touches a closed widget.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Carrier(QObject):
    finished = Signal(int, object, object)  # token, result, exception (or None)


class _Call(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], carrier: _Carrier) -> None:
        super().__init__()
        self._token = token
        self._fn = fn
        self._carrier = carrier

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as error:  # handed to the caller, who says what went wrong
            log.debug("background call failed", exc_info=True)
            self._carrier.finished.emit(self._token, None, error)
        else:
            self._carrier.finished.emit(self._token, result, None)


class BackgroundCalls(QObject):
    """One small pool per owner; ``busy_changed(bool)`` tells when work starts and stops."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._carrier = _Carrier(self)
        self._carrier.finished.connect(self._deliver)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None] | None]] = {}
        self._tokens = itertools.count(1)
        self._closed = False

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        """Call ``fn()`` on a pool thread; ``on_done(result)`` or ``on_error(exc)`` runs on this object's thread.

        Returns a token for ``cancel``; 0 (and nothing runs) once ``shutdown`` was called."""
        if self._closed:
            # The owner is closing; a late request (a repaint, a focus change) has nobody to answer.
            log.debug("background call after shutdown ignored")
            return 0
        token = next(self._tokens)
        was_idle = not self._callbacks
        self._callbacks[token] = (on_done, on_error)
        self._pool.start(_Call(token, fn, self._carrier))
        if was_idle:
            self.busy_changed.emit(True)
        return token

    def cancel(self, token: int) -> None:
        """Forget the callbacks of a call whose answer no longer matters (it may still run)."""
        if self._callbacks.pop(token, None) is not None and not self._callbacks:
            self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    @Slot(int, object, object)
    def _deliver(self, token: int, result: Any, error: Exception | None) -> None:
        callbacks = self._callbacks.pop(token, None)
        if callbacks is None:
            return
        on_done, on_error = callbacks
        try:
            if error is None:
                on_done(result)
            elif on_error is not None:
                on_error(error)
            else:
                log.error("background call failed", exc_info=error)
        finally:
            if not self._callbacks:
                self.busy_changed.emit(False)

    def wait(self) -> None:
        """Block until running calls end (tests and shutdown only)."""
        self._pool.waitForDone()

    def shutdown(self) -> None:
        self._closed = True
        self._callbacks.clear()
        self._pool.clear()
        self._pool.waitForDone()
