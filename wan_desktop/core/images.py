"""Checks an input image against a model's limits before anything is sent, and fixes what can be fixed.

A bad image must never cost a network call or a paid task, and the person must read, in plain words, what is
wrong and what the fix would do. ``fix_image`` never touches the original: it writes a new file.

Sizes are reported as the person sees the picture, i.e. after the EXIF rotation; the fix applies that rotation
(the service ignores the EXIF note, so an unrotated photo would come out sideways).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import math
import warnings
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from wan_desktop.core.dashscope.catalog import ImageLimits
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.image_words import PASTED, alpha_words, cmyk_words, exif_rotated_words, sixteen_bit_words
from wan_desktop.core.image_words import aspect_bounds as _aspect_bounds
from wan_desktop.core.image_words import display_name as _display_name
from wan_desktop.core.image_words import format_list as _format_list
from wan_desktop.core.image_words import megabytes as _megabytes
from wan_desktop.core.image_words import not_an_image_message as _not_an_image_message
from wan_desktop.core.image_words import ratio as _ratio
from wan_desktop.core.image_words import size as _size
from wan_desktop.core.library import atomic_write_bytes, file_sha256
from wan_desktop.core.phrases import sentences


class _OnFirstUse:
    """A module imported the first time one of its names is used: Pillow costs ~20 ms at start-up, and
    the window can paint before any picture needs checking."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self._name)
        return getattr(module, attribute)


if TYPE_CHECKING:  # the checker reads Pillow's own types; at run time the modules load on first use
    from PIL import Image, ImageOps
else:
    Image = _OnFirstUse("PIL.Image")
    ImageOps = _OnFirstUse("PIL.ImageOps")


# EXIF orientation values 2..8 mean "display differently from how the pixels are stored".
_ORIENTATION_TAG = 0x0112
# Values 5..8 turn the picture by 90 degrees, which swaps width and height.
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})
# Pillow names a multi-picture JPEG (many phone cameras) "MPO"; its first picture is an ordinary JPEG.
_FORMAT_ALIASES = {"MPO": "JPEG"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "BMP": "bmp", "WEBP": "webp"}
_JPEG_QUALITIES = (92, 85, 75, 65)


class ImageIssue(str, Enum):
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_SMALL = "too_small"
    TOO_LARGE_PIXELS = "too_large_pixels"
    TOO_MANY_BYTES = "too_many_bytes"
    HAS_ALPHA = "has_alpha"
    EXIF_ROTATED = "exif_rotated"
    BAD_ASPECT = "bad_aspect"
    CMYK = "cmyk"
    HIGH_BIT_DEPTH = "high_bit_depth"
    ANIMATED = "animated"


# Cropping changes what the picture shows, so a wrong shape is left to the person.
FIXABLE_ISSUES = frozenset(
    {
        ImageIssue.UNSUPPORTED_FORMAT,
        ImageIssue.TOO_SMALL,
        ImageIssue.TOO_LARGE_PIXELS,
        ImageIssue.TOO_MANY_BYTES,
        ImageIssue.HAS_ALPHA,
        ImageIssue.EXIF_ROTATED,
        ImageIssue.CMYK,
        ImageIssue.HIGH_BIT_DEPTH,
        ImageIssue.ANIMATED,
    }
)
# The service takes these, but the video may not show what the person sees: advice with a fix, not a refusal.
ADVISORY_ISSUES = frozenset({ImageIssue.EXIF_ROTATED, ImageIssue.CMYK, ImageIssue.HIGH_BIT_DEPTH, ImageIssue.ANIMATED})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})


@dataclass(frozen=True)
class ImageReport:
    path: Path
    width: int  # as displayed (after EXIF rotation); 0 when unknown
    height: int
    format: str | None  # Pillow's format name, None when not an image
    byte_size: int
    has_alpha: bool
    exif_rotated: bool
    issues: tuple[ImageIssue, ...]
    messages: tuple[str, ...]  # one sentence per issue, same order

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def fixable(self) -> bool:
        """``fix_image`` would turn this into an image the model accepts (True when already fine)."""
        if self.ok:
            return True
        return self.width > 0 and self.height > 0 and all(issue in FIXABLE_ISSUES for issue in self.issues)

    @property
    def summary(self) -> str:
        return sentences(*self.messages)


@dataclass(frozen=True)
class ImageFix:
    path: Path  # the new file
    changes: tuple[str, ...]  # what was done, in words


# -- inspection ---------------------------------------------------------------------------------------------
def inspect_image(path: Path, limits: ImageLimits) -> ImageReport:
    """Check the file at ``path``; never raises for a bad or missing file."""
    path = Path(path)
    try:
        byte_size = path.stat().st_size
        with path.open("rb") as handle:
            return _inspect(handle, path, byte_size, limits)
    except FileNotFoundError:
        message = _("'{name}' could not be found; it may have been moved or deleted.").format(name=path.name)
        return _not_an_image(path, 0, message)
    except IsADirectoryError:
        return _not_an_image(path, 0, _("'{name}' is a folder, not an image.").format(name=path.name))
    except OSError as error:
        reason = error.strerror or str(error)
        return _not_an_image(path, 0, _("'{name}' could not be read ({reason}).").format(name=path.name, reason=reason))


def inspect_image_bytes(data: bytes, limits: ImageLimits, path: Path = PASTED) -> ImageReport:
    """Check pasted or dragged image data."""
    return _inspect(io.BytesIO(data), Path(path), len(data), limits)


def _inspect(stream: BinaryIO, path: Path, byte_size: int, limits: ImageLimits) -> ImageReport:
    head = stream.read(32)
    stream.seek(0)
    try:
        image, format_name = _open_decoded(stream)
    except _TooManyPixels as error:
        return _report_too_many_pixels(path, byte_size, error)
    except _Undecodable:
        return _not_an_image(path, byte_size, _not_an_image_message(path, limits))
    with image:
        width, height = _displayed_size(image)
        has_alpha = _has_alpha(image)
        rotated = _exif_orientation(image) not in (1, None)
        stored_form = _stored_form_issues(image, head)
    issues: list[tuple[ImageIssue, str]] = []
    if format_name not in limits.formats:
        issues.append((ImageIssue.UNSUPPORTED_FORMAT, _format_message(path, format_name, limits)))
    issues.extend(_size_issues(width, height, limits))
    if byte_size > limits.max_bytes:
        message = _("The file is {size}; this model accepts at most {most}.").format(
            size=_megabytes(byte_size), most=_megabytes(limits.max_bytes)
        )
        issues.append((ImageIssue.TOO_MANY_BYTES, message))
    if has_alpha and not limits.alpha_allowed:
        issues.append((ImageIssue.HAS_ALPHA, alpha_words()))
    if rotated:
        issues.append((ImageIssue.EXIF_ROTATED, exif_rotated_words()))
    issues.extend(stored_form)
    return ImageReport(
        path=path,
        width=width,
        height=height,
        format=format_name,
        byte_size=byte_size,
        has_alpha=has_alpha,
        exif_rotated=rotated,
        issues=tuple(issue for issue, _message in issues),
        messages=tuple(message for _issue, message in issues),
    )


def _stored_form_issues(image: Image.Image, head: bytes) -> list[tuple[ImageIssue, str]]:
    """How the pixels are stored, where it differs from what the service reads as the person sees it."""
    issues: list[tuple[ImageIssue, str]] = []
    if image.mode == "CMYK":
        issues.append((ImageIssue.CMYK, cmyk_words()))
    if _is_sixteen_bit(image, head):
        issues.append((ImageIssue.HIGH_BIT_DEPTH, sixteen_bit_words()))
    frames = getattr(image, "n_frames", 1)
    if isinstance(frames, int) and frames > 1:
        message = _(
            "The picture is animated ({n} frames), and Wan starts from one still picture; the first frame can be taken."
        ).format(n=format_number(frames))
        issues.append((ImageIssue.ANIMATED, message))
    return issues


def _is_sixteen_bit(image: Image.Image, head: bytes) -> bool:
    # Pillow reads a 16-bit colour PNG as 8-bit RGB, so the file's own header (IHDR bit depth) says it.
    png_depth = head[24] if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR" and len(head) > 24 else 8
    return image.mode in _SIXTEEN_BIT_MODES or png_depth == 16


def _size_issues(width: int, height: int, limits: ImageLimits) -> list[tuple[ImageIssue, str]]:
    issues: list[tuple[ImageIssue, str]] = []
    size = _("{width}×{height} pixels").format(width=width, height=height)
    if min(width, height) < limits.min_side:
        message = _("The image is {size}; this model needs at least {n} pixels on each side.").format(
            size=size, n=format_number(limits.min_side)
        )
        issues.append((ImageIssue.TOO_SMALL, message))
    if max(width, height) > limits.max_side:
        message = _("The image is {size}; this model accepts at most {n} pixels on each side.").format(
            size=size, n=format_number(limits.max_side)
        )
        issues.append((ImageIssue.TOO_LARGE_PIXELS, message))
    aspect = width / height
    too_narrow = limits.min_aspect is not None and aspect < limits.min_aspect
    too_wide = limits.max_aspect is not None and aspect > limits.max_aspect
    if too_narrow or too_wide:
        message = _("The image is {size} ({ratio}); this model accepts {shapes}. Crop it closer to a square.").format(
            size=size, ratio=_ratio(aspect), shapes=_aspect_bounds(limits)
        )
        issues.append((ImageIssue.BAD_ASPECT, message))
    elif issues and fitted_size(width, height, limits) is None:
        # No single scale satisfies both bounds: only cropping can help.
        message = _(
            "The image is {size}, too long and thin to scale into {low} to {high} pixels on each side. "
            "Crop it closer to a square."
        ).format(size=size, low=format_number(limits.min_side), high=format_number(limits.max_side))
        issues.append((ImageIssue.BAD_ASPECT, message))
    return issues


def fitted_size(width: int, height: int, limits: ImageLimits) -> tuple[int, int] | None:
    """The size the picture is scaled to so that each side lies within the limits, keeping its shape;
    the same size when it already fits; None when no scale fits (too long and thin)."""
    short, long = min(width, height), max(width, height)
    if short >= limits.min_side and long <= limits.max_side:
        return width, height
    scale = limits.min_side / short if short < limits.min_side else limits.max_side / long
    new_width, new_height = _scaled(width, height, scale, limits)
    if min(new_width, new_height) < limits.min_side or max(new_width, new_height) > limits.max_side:
        return None
    return new_width, new_height


def _scaled(width: int, height: int, scale: float, limits: ImageLimits) -> tuple[int, int]:
    # Round towards the broken bound (up when enlarging, down when shrinking) so the result never lands one
    # pixel outside it; the epsilon keeps exact products such as 2.0 * 120 from being pushed over.
    if scale > 1:
        return math.ceil(width * scale - 1e-9), math.ceil(height * scale - 1e-9)
    return max(1, math.floor(width * scale + 1e-9)), max(1, math.floor(height * scale + 1e-9))


# -- fixing -------------------------------------------------------------------------------------------------
def fix_image(path: Path, limits: ImageLimits, dest_dir: Path) -> ImageFix:
    """Write a version of ``path`` that the model accepts into ``dest_dir``; the original is left alone.

    Raises ValueError with a sentence for the person when the image cannot be fixed."""
    path = Path(path)
    report = inspect_image(path, limits)
    if not report.fixable:
        unfixable = [m for i, m in zip(report.issues, report.messages, strict=True) if i not in FIXABLE_ISSUES]
        raise ValueError(sentences(*(unfixable or report.messages)))
    with path.open("rb") as handle:
        image, format_name = _open_decoded(handle)
    changes: list[str] = []
    with image:
        picture = _normalised(image, format_name, limits, changes)
    if ImageIssue.HIGH_BIT_DEPTH in report.issues:
        changes.append(_("Reduced 16 bits per colour to 8"))
    target = fitted_size(picture.width, picture.height, limits)
    assert target is not None  # guaranteed by report.fixable
    if target != picture.size:
        if target[0] > picture.width:
            change = _("Enlarged from {before} to {after} pixels")
        else:
            change = _("Scaled from {before} to {after} pixels")
        changes.append(change.format(before=_size(picture.size), after=_size(target)))
        picture = picture.resize(target, Image.Resampling.LANCZOS)
    out_format = _output_format(format_name, limits)
    if out_format != format_name:
        changes.append(_("Converted {before} to {after}").format(before=format_name, after=out_format))
    data, out_format, picture = _encode_within(picture, out_format, limits, changes)
    dest = _free_name(Path(dest_dir), f"{path.stem}-fixed", _EXTENSIONS.get(out_format, out_format.lower()), data)
    atomic_write_bytes(dest, data)
    return ImageFix(path=dest, changes=tuple(changes))


def _normalised(image: Image.Image, format_name: str, limits: ImageLimits, changes: list[str]) -> Image.Image:
    """The decoded picture upright, without transparency, in a mode every allowed format can store."""
    if getattr(image, "n_frames", 1) > 1:
        changes.append(_("Used the first frame of the animation"))
    if _exif_orientation(image) not in (1, None):
        image = ImageOps.exif_transpose(image)
        changes.append(_("Applied the EXIF rotation"))
    if _has_alpha(image) and not limits.alpha_allowed:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
        changes.append(_("Flattened transparency onto white"))
    elif image.mode in _SIXTEEN_BIT_MODES:
        # convert("L") would clip every value over 255 to white: scale the 16-bit range down instead
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode not in ("RGB", "L"):
        if image.mode == "CMYK":
            changes.append(_("Converted CMYK colours to RGB"))
        image = image.convert("RGB")  # CMYK, palette...: the safe common ground
    else:
        image = image.copy()  # detach from the file so the caller may close it
    return image


def _output_format(format_name: str, limits: ImageLimits) -> str:
    if format_name in limits.formats:
        return format_name
    for candidate in ("PNG", "JPEG", "WEBP", "BMP"):  # lossless first: a conversion should not lose detail
        if candidate in limits.formats:
            return candidate
    raise ValueError(_("This model accepts no image format Wan Desktop can write."))


def _encode_within(
    picture: Image.Image, out_format: str, limits: ImageLimits, changes: list[str]
) -> tuple[bytes, str, Image.Image]:
    """Encode, falling back to JPEG at decreasing quality, then to smaller sizes, to fit the byte limit."""
    data = _encode(picture, out_format)
    if len(data) <= limits.max_bytes:
        return data, out_format, picture
    if "JPEG" not in limits.formats:
        raise ValueError(
            _("The image does not fit {size} in a format this model takes.").format(size=_megabytes(limits.max_bytes))
        )
    limit_words = _megabytes(limits.max_bytes)
    current = picture
    while True:
        for quality in _JPEG_QUALITIES:
            data = _encode(current, "JPEG", quality)
            if len(data) <= limits.max_bytes:
                if current.size != picture.size:
                    changes.append(
                        _("Scaled from {before} to {after} pixels to fit {size}").format(
                            before=_size(picture.size), after=_size(current.size), size=limit_words
                        )
                    )
                changes.append(
                    _("Re-encoded as JPEG quality {quality} to fit {size}").format(quality=quality, size=limit_words)
                )
                return data, "JPEG", current
        smaller = (int(current.width * 0.8), int(current.height * 0.8))
        if min(smaller) < limits.min_side:
            raise ValueError(
                _("The image cannot be made smaller than {size} without going below {n} pixels on a side.").format(
                    size=limit_words, n=format_number(limits.min_side)
                )
            )
        current = picture.resize(smaller, Image.Resampling.LANCZOS)


def _encode(picture: Image.Image, out_format: str, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    icc = picture.info.get("icc_profile")
    if icc and out_format in ("JPEG", "PNG", "WEBP"):
        options["icc_profile"] = icc  # keep the colours the person saw
    if out_format == "JPEG":
        options.update(quality=quality, optimize=True)
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
    elif out_format == "WEBP":
        options.update(quality=quality)
    elif out_format == "PNG":
        options.update(optimize=False, compress_level=6)
    picture.save(buffer, format=out_format, **options)
    return buffer.getvalue()


# -- pasted data --------------------------------------------------------------------------------------------
def save_image_bytes(data: bytes, dest_dir: Path, stem: str) -> Path:
    """Keep pasted image data as a file in ``dest_dir``; raises ValueError if the data is not an image.

    The extension follows the data's real format; an identical earlier paste is reused, not duplicated."""
    try:
        image, format_name = _open_decoded(io.BytesIO(data))
    except (_Undecodable, _TooManyPixels):
        raise ValueError(_("The pasted data is not an image Wan Desktop can read.")) from None
    image.close()
    extension = _EXTENSIONS.get(format_name, format_name.lower())
    dest = _free_name(Path(dest_dir), stem, extension, data)
    if not dest.exists():
        atomic_write_bytes(dest, data)
    return dest


def _free_name(folder: Path, stem: str, extension: str, data: bytes) -> Path:
    """``stem.ext``, or ``stem-2.ext``...; a file that already holds exactly ``data`` is returned as is."""
    digest = hashlib.sha256(data).hexdigest()
    for number in range(1, 10_000):
        name = f"{stem}.{extension}" if number == 1 else f"{stem}-{number}.{extension}"
        candidate = folder / name
        if not candidate.exists() or file_sha256(candidate) == digest:
            return candidate
    raise ValueError(_("Too many files named like '{stem}' in {folder}.").format(stem=stem, folder=folder))


# -- decoding helpers ---------------------------------------------------------------------------------------
class _Undecodable(Exception):
    pass


class _TooManyPixels(Exception):
    pass


def _open_decoded(stream: BinaryIO) -> tuple[Image.Image, str]:
    """Open and fully decode (a truncated file must fail here, not at the service)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream)
        except Image.DecompressionBombError as error:
            raise _TooManyPixels(str(error)) from None
        except (Image.UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise _Undecodable(str(error)) from None
        try:
            format_name = _FORMAT_ALIASES.get(image.format or "", image.format or "")
            image.load()
        except Image.DecompressionBombError as error:
            image.close()
            raise _TooManyPixels(str(error)) from None
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            image.close()
            raise _Undecodable(str(error)) from None
    return image, format_name


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    if _exif_orientation(image) in _SWAPPING_ORIENTATIONS:
        return height, width
    return width, height


def _exif_orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # a broken EXIF block must not make a good picture unusable
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _not_an_image(path: Path, byte_size: int, message: str) -> ImageReport:
    return ImageReport(path, 0, 0, None, byte_size, False, False, (ImageIssue.NOT_AN_IMAGE,), (message,))


def _report_too_many_pixels(path: Path, byte_size: int, error: _TooManyPixels) -> ImageReport:
    message = _("'{name}' has too many pixels to open safely; shrink it in an image editor first.").format(
        name=_display_name(path)
    )
    return ImageReport(path, 0, 0, None, byte_size, False, False, (ImageIssue.TOO_LARGE_PIXELS,), (message,))


def _format_message(path: Path, format_name: str, limits: ImageLimits) -> str:
    target = _output_format(format_name, limits) if limits.formats else "PNG"
    return _("'{name}' is a {format} image; this model accepts {formats}. It can be converted to {target}.").format(
        name=_display_name(path), format=format_name, formats=_format_list(limits), target=target
    )
