"""Serving a result MP4 over HTTP: single byte ranges, HEAD, and the download faults (truncated bodies,
lying or huge Content-Length). Every faulty reply is bounded: it ends after at most the real file or
``faults.JUNK_MAX`` bytes, then the connection closes, so no client can hang on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .faults import HUGE_CLAIM, LYING_EXTRA
from .links import byte_range
from .views import ResultFile

if TYPE_CHECKING:
    from .routes import Handler as ReplyWriter

_CHUNK = 256 * 1024


def send_result(handler: ReplyWriter, result: ResultFile) -> bool:
    """Write the reply for ``result``; True when the connection must be closed afterwards (a fault)."""
    action = result.fault.action if result.fault is not None else None
    if action == "huge_length":
        return _send_junk(handler, result)
    if action == "lying_length":
        return _send_lying(handler, result)
    start, end, status = 0, result.size - 1, 200
    requested = handler.headers.get("Range")
    if requested:
        start, end = byte_range(requested, result.size)
        status = 206
    headers = _file_headers(handler, result)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{result.size}"
    length = end - start + 1
    _head(handler, status, length, headers)
    if handler.command != "HEAD":
        _copy(handler, result, start, length // 2 if action == "truncate" else length)
    return result.fault is not None


def _file_headers(handler: ReplyWriter, result: ResultFile) -> dict[str, str]:
    return {
        "Accept-Ranges": "bytes",
        "ETag": result.etag,
        "Last-Modified": handler.date_time_string(int(result.mtime)),
    }


def _head(handler: ReplyWriter, status: int, length: int, headers: dict[str, str]) -> None:
    handler.record(status)
    handler.send_response(status)
    handler.send_header("Content-Type", "video/mp4")
    handler.send_header("Content-Length", str(length))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()


def _copy(handler: ReplyWriter, result: ResultFile, start: int, count: int) -> None:
    with result.path.open("rb") as source:
        source.seek(start)
        while count > 0:
            chunk = source.read(min(count, _CHUNK))
            if not chunk:
                break
            handler.wfile.write(chunk)
            count -= len(chunk)


def _send_lying(handler: ReplyWriter, result: ResultFile) -> bool:
    """Ignore Range; claim a length the body never reaches; send the whole file from byte 0."""
    assert result.fault is not None
    claimed = result.fault.claimed_bytes or result.size + LYING_EXTRA
    _head(handler, 200, claimed, _file_headers(handler, result))
    if handler.command != "HEAD":
        _copy(handler, result, 0, min(result.size, claimed))
    return True


def _send_junk(handler: ReplyWriter, result: ResultFile) -> bool:
    """Claim a huge file (10 GiB by default), stream a bounded amount of junk, then close."""
    assert result.fault is not None
    claimed = result.fault.claimed_bytes or HUGE_CLAIM
    _head(handler, 200, claimed, {"ETag": result.etag})
    if handler.command != "HEAD":
        remaining = min(result.fault.junk_bytes, claimed)
        block = bytes(range(256)) * (_CHUNK // 256)
        while remaining > 0:
            piece = block[: min(remaining, len(block))]
            handler.wfile.write(piece)
            remaining -= len(piece)
    return True
