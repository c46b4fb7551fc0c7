"""Fetching a result video from its keyless link: stream into a file, resume with Range, refuse what can
never work.

The link comes from the service's reply, so it is checked before anything is fetched: only http(s), and
never a loopback, private or link-local address (unless the API itself is on loopback, as the simulator
is), also after each redirect. The reply is bounded: at most ``MAX_VIDEO_BYTES`` (a length or a running
total over it is refused and the partial file removed); a server that ignores Range restarts the file from
byte 0 rather than appending; a body that ends short at the same byte twice is a lying Content-Length. Each
refusal is a ``DownloadRefusedError`` whose explanation states the cause.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from wan_desktop.core.i18n import _, format_number, format_seconds_value

from .errors import (
    DashScopeError,
    DownloadInterruptedError,
    InvalidRequestError,
    LinkExpiredError,
    NotSentError,
    ProtocolError,
    ServerError,
)

MAX_VIDEO_BYTES = 2 * 1024**3  # a Wan video is tens of megabytes; 2 GiB is far beyond any real one
MAX_REDIRECTS = 5
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

Progress = Callable[[int, int | None], None]
ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class DownloadResult:
    bytes_written_total: int  # the file's size now
    total_size: int | None  # the full size, when the server said it
    complete: bool  # False when stopped on request


class DownloadRefusedError(DashScopeError):
    """The link or its reply can never give the video (bad scheme, private address, too large, lying
    length, not found): asking again with the same link is pointless; a fresh link from the task may work."""

    retryable = False
    may_have_reached_service = False

    @classmethod
    def default_explanation(cls) -> str:
        return _("The video's link cannot be used.")


class LinkNotFoundError(DownloadRefusedError):
    @classmethod
    def default_explanation(cls) -> str:
        return _("The video's link answered 404 (not found): the storage does not have the file.")


@dataclass(frozen=True)
class _Request:
    url: str
    dest: Path
    on_progress: Progress | None
    should_stop: ShouldStop | None
    chunk_size: int
    allow_private: bool
    max_bytes: int


def download(
    http: httpx.Client,
    url: str,
    dest: Path,
    *,
    offset: int = 0,
    on_progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    chunk_size: int = 256 * 1024,
    allow_private: bool = False,
    max_bytes: int = MAX_VIDEO_BYTES,
) -> DownloadResult:
    """Stream the video at ``url`` into ``dest`` from ``offset`` (what is already there), resuming with Range.

    ``http`` must carry no key. A break mid-body raises DownloadInterruptedError: call again with offset =
    the file's size. DownloadRefusedError: the link or reply can never work (the .part is removed when the
    reply was too large)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Never resume past what is really on disk: that would leave a hole of zero bytes in the video.
    offset = max(0, min(offset, dest.stat().st_size if dest.exists() else 0))
    job = _Request(url, dest, on_progress, should_stop, chunk_size, allow_private, max_bytes)
    try:
        return _fetch(http, job, offset, restarted=False)
    except DownloadRefusedError as refusal:
        if refusal.code == "TooLarge":
            dest.unlink(missing_ok=True)
        raise


def check_link(url: str, *, allow_private: bool) -> None:
    """Refuse a link that is not http(s), or (unless ``allow_private``) one leading to a loopback, private,
    link-local or otherwise non-public address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = (parts.scheme + "://") if parts.scheme else url[:60]
        raise DownloadRefusedError(
            f"refused link scheme {shown!r}",
            code="BadLink",
            explanation=_("The video's link is not a web address ({shown}), so the app does not fetch it.").format(
                shown=shown
            ),
        )
    if allow_private:
        return
    host = parts.hostname
    for address in _addresses(host, parts.port or (443 if parts.scheme.lower() == "https" else 80)):
        if not address.is_global:
            raise DownloadRefusedError(
                f"refused link to {host} ({address})",
                code="PrivateAddress",
                explanation=_(
                    "The video's link points at a private or local address ({host}), which a result link never "
                    "does, so the app does not fetch it."
                ).format(host=host),
            )


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []  # unknown name: the request itself will fail and say so
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


def _fetch(http: httpx.Client, job: _Request, offset: int, *, restarted: bool) -> DownloadResult:
    headers = {"Accept-Encoding": "identity"}  # byte ranges must mean file bytes
    if offset > 0:
        headers["Range"] = f"bytes={offset}-"
    url = job.url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            check_link(url, allow_private=job.allow_private)
            with http.stream("GET", url, headers=headers, follow_redirects=False) as response:
                if response.is_redirect and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"])
                    continue
                return _answer(http, job, response, offset, restarted)
    except httpx.HTTPError as exc:
        if isinstance(exc, _NOT_SENT):
            raise NotSentError(
                f"download: {type(exc).__name__}: {exc}", code="NetworkError", explanation=_unreachable(url)
            ) from exc
        raise DownloadInterruptedError(f"download: {type(exc).__name__}: {exc}", code="NetworkError") from exc
    raise DownloadRefusedError(
        "too many redirects",
        code="Redirects",
        explanation=_("The video's link redirects too many times, so it was not fetched."),
    )


def _answer(
    http: httpx.Client, job: _Request, response: httpx.Response, offset: int, restarted: bool
) -> DownloadResult:
    status = response.status_code
    if status == 416 and offset > 0:
        total = _range_total(response.headers.get("content-range"))
        if total == offset:
            return DownloadResult(offset, total, True)
        response.close()
        return _fetch(http, job, 0, restarted=True)
    if status == 404:
        response.read()
        raise _storage_error(response, LinkNotFoundError.default_explanation(), LinkNotFoundError)
    if status in (403, 410):
        response.read()
        raise _storage_error(response, LinkExpiredError.default_explanation(), LinkExpiredError)
    if status not in (200, 206):
        response.read()
        raise _storage_error(
            response, _("The video could not be downloaded: the storage answered HTTP {status}.").format(status=status)
        )
    span = _body_span(response, offset)
    if span is None:  # a 206 for some other range: start over rather than splice the wrong bytes
        response.close()
        if restarted:
            raise ProtocolError("the storage sends ranges it was not asked for", code="Protocol", http_status=206)
        return _fetch(http, job, 0, restarted=True)
    start, total = span
    _check_size(total, job.max_bytes)
    # A 200 on a resume ignored Range: the file restarts at 0; ending at the old offset again is a lie.
    repeat_at = offset if start == 0 and offset > 0 else None
    return _write_body(response, job, start, total, repeat_at)


def _write_body(
    response: httpx.Response, job: _Request, start: int, total: int | None, repeat_at: int | None
) -> DownloadResult:
    written = start
    with open(job.dest, "r+b" if job.dest.exists() else "w+b") as f:
        f.truncate(start)
        f.seek(start)
        try:
            # No size given to httpx: it would drop a half-filled chunk buffer when the connection breaks,
            # and those bytes are the resume point. chunk_size paces progress and stop checks instead.
            for piece in response.iter_bytes():
                for at in range(0, len(piece), job.chunk_size):
                    chunk = piece[at : at + job.chunk_size]
                    _check_size(written + len(chunk), job.max_bytes)
                    f.write(chunk)
                    written += len(chunk)
                    if job.on_progress is not None:
                        job.on_progress(written, total)
                    if job.should_stop is not None and job.should_stop():
                        return DownloadResult(written, total, total is not None and written >= total)
        except httpx.HTTPError as exc:
            _refuse_lying_length(written, total, repeat_at)
            raise DownloadInterruptedError(f"download: {type(exc).__name__}: {exc}", code="NetworkError") from exc
        finally:
            f.flush()
            os.fsync(f.fileno())
    if total is not None and written < total:
        _refuse_lying_length(written, total, repeat_at)
        raise DownloadInterruptedError(f"download ended at {written} of {total} bytes", code="NetworkError")
    return DownloadResult(written, total if total is not None else written, True)


def _check_size(size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise DownloadRefusedError(
            f"the video would be {size} bytes, over the {limit} byte limit",
            code="TooLarge",
            explanation=_(
                "The video's link offers more than {size} GiB, far more than any video the service makes, so the "
                "download was stopped and the partial file removed."
            ).format(size=format_seconds_value(limit / 1024**3)),
        )


def _refuse_lying_length(written: int, total: int | None, repeat_at: int | None) -> None:
    if total is not None and repeat_at is not None and written == repeat_at:
        raise DownloadRefusedError(
            f"the storage says {total} bytes but twice sent only {written}",
            code="LyingLength",
            explanation=_(
                "The storage says the video has {total} bytes but stops at {written} every time and ignores resume "
                "requests, so the video cannot be completed from this link."
            ).format(total=format_number(total), written=format_number(written)),
        )


def _unreachable(url: str) -> str:
    host = urlsplit(url).hostname or url[:60]
    return _("The video's storage host ({host}) could not be reached; the download will be tried again.").format(
        host=host
    )


def _range_total(content_range: str | None) -> int | None:
    match = re.search(r"/(\d+)\s*$", content_range or "")
    return int(match.group(1)) if match else None


def _body_span(response: httpx.Response, offset: int) -> tuple[int, int | None] | None:
    """Where the body starts in the file and the full size; None for a 206 of another range. A 200 means
    the server ignored Range: restart at 0."""
    length = _length(response.headers.get("content-length"))
    if response.status_code == 206:
        match = re.match(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)", response.headers.get("content-range", ""))
        if not match or int(match.group(1)) != offset:
            return None
        first, last = int(match.group(1)), int(match.group(2))
        total = int(match.group(3)) if match.group(3) != "*" else None
        if last < first or (length is not None and length != last - first + 1) or (total and last >= total):
            raise ProtocolError(
                f"inconsistent Content-Range {response.headers.get('content-range')!r} and Content-Length {length}",
                code="Protocol",
                http_status=206,
            )
        return offset, total
    return 0, length


def _length(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() and len(value.strip()) < 20 else None


def _storage_error(
    response: httpx.Response, explanation: str, cls: type[DashScopeError] | None = None
) -> DashScopeError:
    """An error from the storage host (OSS answers XML: <Code>..</Code><Message>..</Message>)."""
    text = response.text[:4000]
    code = _xml_tag(text, "Code")
    message = _xml_tag(text, "Message")
    body = _json_object(text)
    if body is not None:
        code = code or str(body.get("code") or "")
        message = message or str(body.get("message") or "")
    request_id = _xml_tag(text, "RequestId") or response.headers.get("x-oss-request-id", "")
    status = response.status_code
    kind = cls or (ServerError if status >= 500 else InvalidRequestError)
    return kind(
        message or text.strip()[:300],
        code=code or f"HTTP{status}",
        request_id=request_id,
        http_status=status,
        explanation=explanation,
    )


def _json_object(text: str) -> Mapping | None:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, Mapping) else None


def _xml_tag(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}>([^<]*)</{tag}>", text)
    return match.group(1).strip() if match else ""
