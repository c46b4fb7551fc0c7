"""One engine per home: an OS-level lock on ``HOME/engine.lock`` that dies with the process holding it.

Two engines on one home each send the same queued jobs, and every create is paid for. The lock is an
advisory OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows), so a crashed or killed holder
never leaves a stale lock behind: the OS drops it with the process. The file's text (who holds it, written
after the lock is taken) is only there to name the holder in a sentence; the lock itself is what counts.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wan_desktop.core.i18n import _, format_short_datetime, format_time

LOCK_FILE = "engine.lock"
_MAX_INFO_BYTES = 4096  # the file is untrusted text: read a bounded amount
_MAX_PROGRAM = 80
# Windows locks byte ranges and refuses reads of a locked range, so the lock sits far past the text.
_WINDOWS_LOCK_OFFSET = 1 << 20
_READ_TRIES = 10  # the holder writes its name just after taking the lock; give it a moment


@dataclass(frozen=True)
class HolderInfo:
    pid: int
    program: str  # "wan-desktop run", "Wan Desktop window"
    started_at: str  # ISO 8601 with the zone

    def since(self) -> str:
        """The start time as the locale writes it: the time alone today ("10:02"), else the date and time."""
        try:
            moment = datetime.fromisoformat(self.started_at).astimezone()
        except (ValueError, TypeError):
            return ""
        same_day = moment.date() == datetime.now().astimezone().date()
        return format_time(moment) if same_day else format_short_datetime(moment)


class HomeBusy(Exception):
    """Another process holds the home; ``str()`` names it in a sentence."""

    def __init__(self, home: Path, holder: HolderInfo | None) -> None:
        self.home = Path(home)
        self.holder = holder
        super().__init__(_busy_sentence(self.home, holder))


def _busy_sentence(home: Path, holder: HolderInfo | None) -> str:
    named = _holder_words(holder) if holder is not None else ""
    if named:
        sentence = _(
            "Another Wan Desktop ({holder}) is working on this home ({home}); only one may at a time, so that no "
            "job is sent twice. Wait for it to finish or close it, then try again."
        )
    else:
        sentence = _(
            "Another Wan Desktop is working on this home ({home}); only one may at a time, so that no job is sent "
            "twice. Wait for it to finish or close it, then try again."
        )
    return sentence.format(holder=named, home=home)


def _holder_words(holder: HolderInfo) -> str:
    """Who holds the home, as far as its note says: "wan-desktop run, process 4242, since 10:02"."""
    since = holder.since()
    parts = [
        holder.program,
        _("process {pid}").format(pid=holder.pid) if holder.pid > 0 else "",
        _("since {time}").format(time=since) if since else "",
    ]
    return _(", ").join(part for part in parts if part)


class HomeLock:
    """Held until ``release()`` (or the process ends). Use ``HomeLock.acquire(home, program)``."""

    def __init__(self, path: Path, fd: int, info: HolderInfo) -> None:
        self.path = path
        self.info = info
        self._fd: int | None = fd
        self._guard = threading.Lock()

    @classmethod
    def acquire(cls, home: Path, program: str) -> HomeLock:
        """Take the home's lock now (never waits for it); HomeBusy names the holder when another has it."""
        path = Path(home) / LOCK_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_or_raise(fd, Path(home), path)
        except BaseException:
            os.close(fd)
            raise
        info = HolderInfo(os.getpid(), program[:_MAX_PROGRAM], datetime.now().astimezone().isoformat())
        try:
            _write_info(fd, info)
        except OSError:
            pass  # a full disk: the lock still holds, only the holder's name is missing
        return cls(path, fd, info)

    @staticmethod
    def holder(home: Path) -> HolderInfo | None:
        """Who holds ``home`` now, without keeping the lock; None when nobody does."""
        path = Path(home) / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            if _try_lock(fd):
                _unlock(fd)  # free: whatever text is left belongs to a holder that is gone
                return None
        finally:
            os.close(fd)
        return _read_info(path) or HolderInfo(0, "", "")

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        with self._guard:
            fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # the next reader must not name a holder that has left
        except OSError:
            pass
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> HomeLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten lock is released with the object, as the OS would at exit
        try:
            self.release()
        except Exception:
            pass


def _lock_or_raise(fd: int, home: Path, path: Path) -> None:
    # A failed try may meet only holder()'s brief probe, not a real holder: look once more before refusing.
    for _attempt in range(2):
        if _try_lock(fd):
            return
        if HomeLock.holder(home) is not None:
            break
    raise HomeBusy(home, _wait_for_holder_info(path))


def _wait_for_holder_info(path: Path) -> HolderInfo | None:
    event = threading.Event()
    for _attempt in range(_READ_TRIES):
        info = _read_info(path)
        if info is not None:
            return info
        event.wait(0.02)  # the holder took the lock and is about to write its name
    return None


def _read_info(path: Path) -> HolderInfo | None:
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_INFO_BYTES)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid, program, started = data.get("pid"), data.get("program"), data.get("started_at")
    if isinstance(pid, bool) or not isinstance(pid, int) or not isinstance(program, str):
        return None
    if not isinstance(started, str):
        return None
    clean = "".join(ch for ch in program[:_MAX_PROGRAM] if ch.isprintable())
    return HolderInfo(pid, clean, started[:64])


def _write_info(fd: int, info: HolderInfo) -> None:
    text = json.dumps({"pid": info.pid, "program": info.program, "started_at": info.started_at})
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text.encode("utf-8"))
    os.fsync(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import errno
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
