"""Signed, expiring result links (OSS-style ``Expires`` + ``Signature`` query) and byte ranges on them.

A link is ``/results/<task id>.mp4?Expires=<epoch s>&OSSAccessKeyId=...&Signature=...``; the signature is
an HMAC of the task id and the expiry, so a link cannot be stretched or pointed at another task.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping

from .errors import ApiError

LINK_LIFETIME = 24 * 3600  # result links, before the time scale
RESULT_PATH = re.compile(r"^/results/(?P<id>[0-9a-fA-F-]{36})\.mp4$")
_RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")


class LinkSigner:
    """Writes and checks the signature of result links with the simulator's secret."""

    def __init__(self, secret: bytes, time_scale: float) -> None:
        self._secret = secret
        self._scale = time_scale

    def sign(self, task_id: str, expires: int) -> str:
        digest = hmac.new(self._secret, f"{task_id}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def url(self, root: str, task_id: str, ended_at: float) -> str:
        expires = int(ended_at + LINK_LIFETIME * self._scale)
        return (
            f"{root}/results/{task_id}.mp4?Expires={expires}&OSSAccessKeyId=LTAI-simulator"
            f"&Signature={self.sign(task_id, expires)}"
        )

    def verify(self, task_id: str, query: Mapping[str, str], now: float) -> None:
        """Nothing when the link is genuine and alive, else the OSS-style 403."""
        expires_raw = query.get("Expires", "")
        signature = query.get("Signature", "")
        if not expires_raw.isdigit() or not signature:
            raise ApiError(403, "AccessDenied", "Anonymous access is forbidden for this operation.")
        if not hmac.compare_digest(signature, self.sign(task_id, int(expires_raw))):
            raise ApiError(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if now > int(expires_raw):
            raise ApiError(403, "AccessDenied", "Request has expired.")


def byte_range(header: str, size: int) -> tuple[int, int]:
    """(first, last) byte of a single ``Range: bytes=...`` request, or the 416 reply."""
    match = _RANGE.match(header.strip())
    unsatisfiable = ApiError(
        416, "InvalidRange", "The requested range is not satisfiable.", headers={"Content-Range": f"bytes */{size}"}
    )
    if not match or (not match["start"] and not match["end"]):
        raise unsatisfiable
    if not match["start"]:
        suffix = int(match["end"])
        if suffix == 0:
            raise unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(match["start"])
    end = int(match["end"]) if match["end"] else size - 1
    if start >= size or end < start:
        raise unsatisfiable
    return start, min(end, size - 1)
