"""Work off the GUI thread, its answer back on the GUI thread: the one worker helper of the Qt layer.

Every piece of work ends in exactly one report, ``finished`` or ``failed``: an exception in the work becomes
a ``failed`` carrying a sentence for a person (and the exception, for callers that explain it better), never
swallowed. Work that takes a ``WorkContext`` can report partial results (``progress``) and stop when it is
canceled; canceled work reports ``failed`` with ``Cancelled`` (work canceled before it started does not run).
``shutdown()`` cancels everything, waits for running work and drops callbacks, so no pool thread outlives
the owner and no late answer touches a closed widget.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from wan_desktop.core.i18n import _

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The work was canceled before it finished."""

    def __init__(self) -> None:
        super().__init__(_("Canceled before it finished."))


@dataclass(frozen=True)
class Failure:
    sentence: str  # for a person
    error: BaseException | None  # what went wrong, for callers that explain it themselves


def failure_of(error: BaseException) -> Failure:
    fallback = _("The work failed ({kind}).").format(kind=type(error).__name__)
    sentence = getattr(error, "explanation", None) or str(error) or fallback
    return Failure(sentence, error)


class WorkContext:
    """Handed to cancellable work on its pool thread."""

    def __init__(self, report: Callable[[object], None]) -> None:
        self._canceled = threading.Event()
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self._canceled.is_set()

    def cancel(self) -> None:
        self._canceled.set()

    def check(self) -> None:
        """Raise ``Cancelled`` once the owner no longer wants the answer."""
        if self._canceled.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Pause up to ``seconds``; True (at once) when canceled meanwhile."""
        return self._canceled.wait(seconds)

    def report(self, value: object) -> None:
        """A partial result, delivered to ``on_progress`` on the owner's thread."""
        self._report(value)


Work = Callable[[WorkContext], Any]


class _Signals(QObject):
    """Lives on the owner's thread; pool threads emit on it and Qt queues the calls to the owner's thread."""

    progress = Signal(int, object)  # token, partial result
    finished = Signal(int, object)  # token, result
    failed = Signal(int, object)  # token, Failure


class Worker(QRunnable):
    def __init__(self, token: int, work: Work, signals: _Signals) -> None:
        super().__init__()
        self.token = token
        self._work = work
        self._signals = signals
        self.context = WorkContext(lambda value: signals.progress.emit(token, value))

    def run(self) -> None:
        # Until the work says otherwise: a BaseException that is no Exception (SystemExit) still reports.
        failure: Failure | None = Failure(_("The work stopped unexpectedly."), None)
        result: object = None
        try:
            self.context.check()  # canceled (or shut down) before it started: report at once
            result = self._work(self.context)
            failure = failure_of(Cancelled()) if self.context.cancelled else None
        except Exception as error:  # handed to the owner, who says what went wrong
            log.debug("background work failed", exc_info=True)
            failure = failure_of(error)
        finally:
            if failure is None:
                self._signals.finished.emit(self.token, result)
            else:
                self._signals.failed.emit(self.token, failure)


_Callbacks = tuple[Callable[[Any], None], Callable[[Exception], None] | None, Callable[[Any], None] | None]


class BackgroundCalls(QObject):
    """One small pool per owner; ``busy_changed(bool)`` tells when work starts and stops.

    ``finished(token, result)`` and ``failed(token, Failure)`` report every piece of work, wanted or not."""

    busy_changed = Signal(bool)
    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._finished)
        self._signals.failed.connect(self._failed)
        self._signals.progress.connect(self._progress)
        self._callbacks: dict[int, _Callbacks] = {}
        self._contexts: dict[int, WorkContext] = {}
        self._tokens = itertools.count(1)
        self._closed = False

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        """Call ``fn()`` on a pool thread; ``on_done(result)`` or ``on_error(exc)`` runs on this thread.

        Returns a token for ``cancel``; 0 (and nothing runs) once ``shutdown`` was called."""
        return self.start(lambda _context: fn(), on_done, on_error)

    def start(
        self,
        work: Work,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> int:
        """Like ``run``, for work that takes a ``WorkContext`` (to report progress and to stop on cancel)."""
        if self._closed:
            # The owner is closing; a late request (a repaint, a focus change) has nobody to answer.
            log.debug("background work after shutdown ignored")
            return 0
        token = next(self._tokens)
        was_idle = not self._callbacks
        self._callbacks[token] = (on_done, on_error, on_progress)
        worker = Worker(token, work, self._signals)
        self._contexts[token] = worker.context
        self._pool.start(worker)
        if was_idle:
            self.busy_changed.emit(True)
        return token

    def cancel(self, token: int) -> None:
        """Ask the work to stop, and forget its callbacks: its answer no longer matters."""
        context = self._contexts.get(token)
        if context is not None:
            context.cancel()
        if self._callbacks.pop(token, None) is not None and not self._callbacks:
            self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    @Slot(int, object)
    def _progress(self, token: int, value: Any) -> None:
        callbacks = self._callbacks.get(token)
        if callbacks is not None and callbacks[2] is not None:
            callbacks[2](value)

    @Slot(int, object)
    def _finished(self, token: int, result: Any) -> None:
        self._contexts.pop(token, None)
        callbacks = self._callbacks.pop(token, None)
        try:
            if callbacks is not None:
                callbacks[0](result)
        finally:
            self._settled(token, callbacks is not None)
            self.finished.emit(token, result)

    @Slot(int, object)
    def _failed(self, token: int, failure: Failure) -> None:
        self._contexts.pop(token, None)
        callbacks = self._callbacks.pop(token, None)
        try:
            if callbacks is None:
                pass  # canceled or shut down: nobody waits for this answer
            elif callbacks[1] is not None:
                error = failure.error
                callbacks[1](error if isinstance(error, Exception) else RuntimeError(failure.sentence))
            else:
                log.error("background work failed: %s", failure.sentence, exc_info=failure.error)
        finally:
            self._settled(token, callbacks is not None)
            self.failed.emit(token, failure)

    def _settled(self, _token: int, was_wanted: bool) -> None:
        if was_wanted and not self._callbacks:
            self.busy_changed.emit(False)

    def wait(self) -> None:
        """Block until running work ends (tests and shutdown only)."""
        self._pool.waitForDone()

    def shutdown(self) -> None:
        self._closed = True
        self._callbacks.clear()
        for context in self._contexts.values():
            context.cancel()  # work still waiting for a thread reports Cancelled at once instead of running
        self._pool.waitForDone()
        self._contexts.clear()
