"""Putting words together the way the person's language does: a list of choices ("a, b or c" / "a、b或c"),
a list of items ("a, b" / "a、b") and sentences side by side (a space between English ones; none between
Chinese ones, which end in "。").

The checks of requests, media and images all name lists of formats, resolutions and roles, so they share
these three instead of each joining with ", " and " or ".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from string import Formatter

from wan_desktop.core.i18n import Language, _, current_language

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z0-9]")


def either(values: Iterable[object]) -> str:
    """ "a, b or c": the choices a person may pick from."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return spaced(_("{items} or {last}"), items=_(", ").join(items[:-1]), last=items[-1])


def spaced(template: str, **values: object) -> str:
    """``template.format(**values)``, with a space where a Chinese word of the template meets a Latin word
    or number of a value ("720P 或 1080P", "您选择的是 480P"), and none where both are Chinese ("参考图或参考视频").
    English text is exactly what ``format`` gives."""
    pieces: list[tuple[str, bool]] = []
    for literal, field, spec, conversion in Formatter().parse(template):
        if literal:
            pieces.append((literal, False))
        if field is not None:
            value = values[field]
            shown = repr(value) if conversion == "r" else str(value) if conversion == "s" else value
            pieces.append((format(shown, spec or ""), True))
    text = ""
    for index, (piece, is_value) in enumerate(pieces):
        if text and piece and is_value is not pieces[index - 1][1] and _meet(text[-1], piece[0]):
            text += " "
        text += piece
    return text


def _meet(left: str, right: str) -> bool:
    return bool((_HAN.match(left) and _LATIN.match(right)) or (_LATIN.match(left) and _HAN.match(right)))


def items(values: Iterable[object]) -> str:
    """ "a, b, c": things listed side by side."""
    return _(", ").join(str(v) for v in values)


def sentences(*texts: str) -> str:
    """Whole sentences one after the other; empty ones are left out."""
    joiner = "" if current_language() is Language.CHINESE else " "
    return joiner.join(text for text in texts if text)
