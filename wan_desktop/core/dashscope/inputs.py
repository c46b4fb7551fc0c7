"""Turning a request's media (URLs or local files) into what the service reads.

Remote references (http(s)://, oss://, data:) pass through. A local image small enough becomes a base64 data
URL, so nothing is stored anywhere but in the request; bigger images, and every audio or video file (the
service takes no base64 for those, contract 4.2/4.3), go through the temporary-upload flow and become oss://
URLs, which need the ``X-DashScope-OssResourceResolve`` header on the create call.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .types import GenerationRequest, is_remote

# The gateway refuses data URIs above 10 MB; base64 grows 4/3, so originals must stay below 7 MiB (contract 4.1).
DATA_URL_MAX_ORIGINAL_BYTES = 7 * 1024 * 1024

IMAGE_FIELDS = ("first_frame", "last_frame")
UPLOAD_ONLY_FIELDS = ("audio", "first_clip")  # no base64 for audio and video

_MAGIC_MIME = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"BM", "image/bmp"),
)


def local_path(reference: str) -> Path | None:
    """The file a reference names (a plain path or a file:// URL); None for a remote reference."""
    if reference.startswith("file://"):
        return Path(unquote(urlsplit(reference).path))
    if is_remote(reference):
        return None
    return Path(reference).expanduser()


def image_mime(path: Path) -> str | None:
    """The MIME type of an image file from its first bytes (a renamed file still gets the right type)."""
    with path.open("rb") as f:
        head = f.read(16)
    for magic, mime in _MAGIC_MIME:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def data_url_for_image(path: Path) -> str | None:
    """A base64 data URL for an image that fits the data-URI ceiling; None when it must be uploaded instead."""
    path = Path(path)
    if path.stat().st_size >= DATA_URL_MAX_ORIGINAL_BYTES:
        return None
    mime = image_mime(path)
    if mime is None:
        return None  # unknown type: let the upload carry it, the service names the problem
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def content_type_for(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def resolve_media(request: GenerationRequest, upload: Callable[[Path], str]) -> dict[str, str]:
    """Every media field of the request as a URL the service can read; ``upload`` turns a file into oss://."""
    resolved: dict[str, str] = {}
    for name, reference in request.media_references().items():
        path = local_path(reference)
        if path is None:
            resolved[name] = reference
            continue
        url = data_url_for_image(path) if name in IMAGE_FIELDS else None
        resolved[name] = url if url is not None else upload(path)
    for index, ref in enumerate(request.references):
        for key, reference, image in (
            (f"ref:{index}", ref.reference, ref.role == "reference_image"),
            (f"ref:{index}:voice", ref.voice, False),
        ):
            if not reference:
                continue
            path = local_path(reference)
            if path is None:
                resolved[key] = reference
                continue
            url = data_url_for_image(path) if image else None
            resolved[key] = url if url is not None else upload(path)
    return resolved
