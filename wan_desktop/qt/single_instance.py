"""One window per home: a second start brings the first window forward; a CLI `run` on the home keeps it out.

Two engines on one home each send the same queued jobs (issue 9, item 1), so the window holds the home's OS
lock (core/home_lock.py) for its whole life. A local socket named after the home is how a second start finds
the window already there and asks it to come forward, instead of telling the person the home is busy with
itself. The lock is what keeps engines apart; the socket is only the doorbell, and a forged or stale one can
at worst make a second start exit quietly.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QMessageBox, QWidget

from wan_desktop.core.home_lock import HomeBusy, HomeLock
from wan_desktop.core.i18n import _

# How HomeLock names the window's hold in the CLI's busy sentence. Not translated: it is written in the lock
# file and read by another process, which may word things in another language.
WINDOW_PROGRAM = "Wan Desktop window"
RAISE = b"raise\n"
_CONNECT_MS = 1500  # a window that is alive answers at once; one that is wedged must not hang a start
_MAX_MESSAGE = 64  # a stranger on the socket gets no more than this read


def server_name(home: Path) -> str:
    """A short name from the resolved home (and the user), so two homes and two users never collide."""
    try:
        resolved = Path(home).expanduser().resolve()
    except OSError:
        resolved = Path(home).expanduser().absolute()
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}:{resolved}".encode("utf-8", "surrogateescape")).hexdigest()
    return f"wan-desktop-{digest[:16]}"


def ask_running_window(name: str, timeout_ms: int = _CONNECT_MS) -> bool:
    """Ask the window listening on ``name`` to come forward; False when nobody is listening."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(RAISE)
    sent = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(timeout_ms)
    return sent


class InstanceGuard(QObject):
    """The listening end: ``raise_requested`` fires when a second start rings."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.readyRead.connect(self._read)
            connection.disconnected.connect(connection.deleteLater)

    def _read(self) -> None:
        connection = self.sender()
        if not isinstance(connection, QLocalSocket):
            return
        data = bytes(connection.read(_MAX_MESSAGE).data())
        if data.startswith(RAISE):
            self.raise_requested.emit()
        connection.abort()  # one message per connection; whatever else a stranger sends is not read


def bring_forward(window: QWidget) -> None:
    """Show the window even from the tray (hidden) or minimised, on top, with the keyboard."""
    window.showNormal()
    window.raise_()
    window.activateWindow()


class Claim(Enum):
    OWNED = "owned"  # this start answers the doorbell: go on to take the engine's home
    RAISED = "raised"  # another window has the home and was asked forward: exit 0


@dataclass
class HomeClaim:
    """What a start holds: the doorbell (for the window's life) and, once taken, the engine home's lock."""

    outcome: Claim
    guard: InstanceGuard | None = None
    lock: HomeLock | None = None

    def release(self) -> None:
        # The doorbell goes first: a start in between is told the home is busy, not sent to a closing window.
        if self.guard is not None:
            self.guard.close()
        if self.lock is not None:
            self.lock.release()


def ring_or_listen(home: Path) -> HomeClaim:
    """First step of a start: a window already on ``home`` is asked forward; otherwise this start listens."""
    name = server_name(home)
    if ask_running_window(name):
        return HomeClaim(Claim.RAISED)
    guard = InstanceGuard(name)
    if guard.listen():
        return HomeClaim(Claim.OWNED, guard)
    if ask_running_window(name):  # a start racing this one took the name first
        guard.close()
        return HomeClaim(Claim.RAISED)
    QLocalServer.removeServer(name)  # nobody answers on it: a name left by a crashed window
    if guard.listen():
        return HomeClaim(Claim.OWNED, guard)
    # The name cannot be had (another user's file, say): go on without a doorbell. The lock still keeps
    # engines apart, and a second start is told the window holds the home.
    guard.close()
    return HomeClaim(Claim.OWNED)


@dataclass(frozen=True)
class Refusal:
    """Why this start cannot have the engine's home, for one dialog; the start then exits without a window."""

    title: str
    text: str
    busy: bool  # another process holds the home (exit 3), rather than a folder that cannot be used


def take_engine_home(claim: HomeClaim, engine_home: Path) -> Refusal | None:
    """Second step: the lock on the home the engine will use (HOME, or HOME/demo), kept in ``claim``. Whoever
    holds it without answering the doorbell (a CLI command; a window on another home nested in this one)
    is named in the refusal, in HomeBusy's sentence."""
    try:
        claim.lock = HomeLock.acquire(engine_home, WINDOW_PROGRAM)
    except HomeBusy as busy:
        return Refusal(_("Wan Desktop is busy elsewhere"), str(busy), busy=True)
    except OSError as error:
        text = _("Wan Desktop cannot use its folder {folder}: {reason}. Fix it, then try again.").format(
            folder=engine_home, reason=error.strerror or error
        )
        return Refusal(_("Wan Desktop cannot start"), text, busy=False)
    return None


def tell_refusal(refusal: Refusal) -> None:
    """One clear dialog; nothing else of the window is built."""
    box = QMessageBox(QMessageBox.Icon.Warning, refusal.title, refusal.text)
    box.setObjectName("home-refused")
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
