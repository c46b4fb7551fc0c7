"""The words of the image checks: sizes, shapes, formats and how a picture is stored, for a person."""

from __future__ import annotations

from pathlib import Path

from wan_desktop.core.dashscope.catalog import ImageLimits
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.phrases import either

PASTED = Path("<pasted>")  # the name of pasted image data, which has no file


def alpha_words() -> str:
    return _("The image has a transparent (alpha) channel, which Wan does not accept; it can be flattened onto white.")


def exif_rotated_words() -> str:
    return _(
        "The picture is stored turned, with a rotation note (EXIF) that Wan ignores, so the video would come out "
        "sideways; the rotation can be applied."
    )


def cmyk_words() -> str:
    return _("The picture is stored in CMYK (print) colours, which Wan may show wrong; it can be converted to RGB.")


def sixteen_bit_words() -> str:
    return _(
        "The picture is stored with 16 bits per colour, which Wan may not read as shown; it can be reduced to 8 bits."
    )


def format_list(limits: ImageLimits) -> str:
    return either(limits.formats)


def megabytes(count: int) -> str:
    amount = count / (1024 * 1024)
    if amount >= 1:
        return _("{n} MB").format(n=trim(amount))
    return _("{n} KB").format(n=format_number(max(1, round(count / 1024))))


def ratio(aspect: float) -> str:
    if aspect >= 1:
        return f"{trim(aspect)}:1"
    return f"1:{trim(1 / aspect)}"


def aspect_bounds(limits: ImageLimits) -> str:
    if limits.min_aspect is not None and limits.max_aspect is not None:
        return _("shapes from {narrowest} to {widest} (width:height)").format(
            narrowest=ratio(limits.min_aspect), widest=ratio(limits.max_aspect)
        )
    if limits.min_aspect is not None:
        return _("shapes no narrower than {narrowest} (width:height)").format(narrowest=ratio(limits.min_aspect))
    return _("shapes no wider than {widest} (width:height)").format(widest=ratio(limits.max_aspect or 1.0))


def trim(value: float) -> str:
    """One decimal, none when it is .0: "1.5", "2"."""
    rounded = round(value, 1)
    return format_number(rounded) if rounded == int(rounded) else format_number(rounded, 1)


def size(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def not_an_image_message(path: Path, limits: ImageLimits) -> str:
    if path == PASTED:
        return _("The pasted data is not an image Wan can use ({formats}).").format(formats=format_list(limits))
    return _("'{name}' is not an image Wan can use ({formats}).").format(name=path.name, formats=format_list(limits))


def display_name(path: Path) -> str:
    return _("The pasted image") if path == PASTED else path.name
