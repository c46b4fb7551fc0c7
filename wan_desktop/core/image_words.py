"""The words of the image checks: sizes, shapes, formats and how a picture is stored, for a person."""

from __future__ import annotations

from pathlib import Path

from wan_desktop.core.dashscope.catalog import ImageLimits

PASTED = Path("<pasted>")  # the name of pasted image data, which has no file

ALPHA_WORDS = "The image has a transparent (alpha) channel, which Wan does not accept; it can be flattened onto white."
EXIF_ROTATED_WORDS = (
    "The picture is stored turned, with a rotation note (EXIF) that Wan ignores, so the video would come out "
    "sideways; the rotation can be applied."
)
CMYK_WORDS = "The picture is stored in CMYK (print) colours, which Wan may show wrong; it can be converted to RGB."
SIXTEEN_BIT_WORDS = (
    "The picture is stored with 16 bits per colour, which Wan may not read as shown; it can be reduced to 8 bits."
)


def format_list(limits: ImageLimits) -> str:
    names = list(limits.formats)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def megabytes(count: int) -> str:
    amount = count / (1024 * 1024)
    if amount >= 1:
        text = f"{amount:.1f}".removesuffix(".0")
        return f"{text} MB"
    return f"{max(1, round(count / 1024))} KB"


def ratio(aspect: float) -> str:
    if aspect >= 1:
        return f"{trim(aspect)}:1"
    return f"1:{trim(1 / aspect)}"


def aspect_bounds(limits: ImageLimits) -> str:
    if limits.min_aspect is not None and limits.max_aspect is not None:
        return f"shapes from {ratio(limits.min_aspect)} to {ratio(limits.max_aspect)} (width:height)"
    if limits.min_aspect is not None:
        return f"shapes no narrower than {ratio(limits.min_aspect)} (width:height)"
    return f"shapes no wider than {ratio(limits.max_aspect or 1.0)} (width:height)"


def trim(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def size(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def not_an_image_message(path: Path, limits: ImageLimits) -> str:
    if path == PASTED:
        return f"The pasted data is not an image Wan can use ({format_list(limits)})."
    return f"'{path.name}' is not an image Wan can use ({format_list(limits)})."


def display_name(path: Path) -> str:
    return "The pasted image" if path == PASTED else path.name
