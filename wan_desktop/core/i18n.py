"""The app's words in the person's language: one gettext catalog for the core, the CLI and the window.

Why gettext and not Qt's ``tr``: the core (engine, validation, service errors explained) and the CLI make
most of the sentences a person reads, and they must not import Qt. One system for all three layers means one
catalog, one extraction script (``scripts/i18n.py``) and one check, as Picard does. Qt's own strings (the
buttons of a standard dialog, a line edit's menu) come from Qt's shipped ``qtbase_*.qm``, loaded by the Qt
layer (``wan_desktop/qt/languages.py``).

Rules for the code (``scripts/i18n.py check`` enforces the first two):
- ``_()``, ``ngettext()`` and ``pgettext()`` take literal strings only, with named ``{placeholders}`` filled by
  ``.format()`` afterwards: an f-string inside ``_()`` could never be found in the catalog.
- Nothing is translated when a module is imported (the language is chosen after the imports): a module-level
  table marks its words with ``N_()`` and calls ``_()`` where they are shown.
- Numbers, money, dates and durations are worded by the ``format_*`` functions below (Babel's CLDR data), never
  by hand-made formats.

Words stored in the database (a job's error) keep the language they were made in.
"""

from __future__ import annotations

import gc
import gettext
import math
import os
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

# Babel (a few ms to import, about 10 ms more to load a locale's CLDR data) is imported by the first number,
# date or price worded, not with this module: a CLI command that words none never pays for it. The window's
# first paint does word numbers and a price, so it pays for both (bench/startup.py measures it).

DOMAIN = "wan_desktop"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGE_ENV = "WAN_DESKTOP_LANGUAGE"  # overrides the system locale and the settings (tests, scripts)


class Language(str, Enum):
    ENGLISH = "en"
    CHINESE = "zh_CN"

    @property
    def own_name(self) -> str:
        """The language's name in itself: how the Settings list shows it to someone who reads only it."""
        return {Language.ENGLISH: "English", Language.CHINESE: "简体中文"}[self]

    @property
    def babel_locale(self) -> Locale:
        from babel import Locale

        # the app's English is British ("favourite"), and so are its numbers: 24-hour times, "2 Nov 2026"
        return Locale.parse("en_GB" if self is Language.ENGLISH else self.value)


SYSTEM = "system"  # the settings' value for "follow the system locale"


def language_of_locale_name(name: str) -> Language | None:
    """The language a POSIX locale name (``zh_CN.UTF-8``, ``zh_Hans``, ``en_GB``) asks for; None when the app
    has no such language. Every Chinese locale gets Simplified Chinese: closer to Traditional than English."""
    base = name.split(".")[0].split("@")[0].replace("-", "_").lower()
    if base.startswith("zh"):
        return Language.CHINESE
    if base.startswith("en") or base in ("c", "posix"):
        return Language.ENGLISH
    return None


def system_language(environ: dict[str, str] | None = None) -> Language:
    """The first language of the system locale the app has, as gettext looks: LANGUAGE, LC_ALL, LC_MESSAGES,
    LANG; English when none is set or none is known. Without ``environ``, the process's environment as it was
    before ``install`` put the app's language in LANGUAGE."""
    env = _environ_before_install() if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        for name in value.split(":") if variable == "LANGUAGE" else [value]:
            found = language_of_locale_name(name) if name else None
            if found is not None:
                return found
        if value and variable != "LANGUAGE":
            break  # the first locale variable that is set decides, as in setlocale
    return Language.ENGLISH


def chosen_language(*choices: str, environ: dict[str, str] | None = None) -> Language:
    """The first of ``choices`` that names a language ("" and "system" pass), else the system's. Callers give
    them in order of precedence: a command-line option, WAN_DESKTOP_LANGUAGE, the saved setting."""
    for value in choices:
        if value and value != SYSTEM:
            try:
                return Language(value)
            except ValueError:
                found = language_of_locale_name(value)
                if found is not None:
                    return found
    return system_language(environ)


class _State:
    language = Language.ENGLISH
    translations: gettext.NullTranslations = gettext.NullTranslations()
    # LANGUAGE as the system set it (None: unset), kept by the first install, which overwrites it
    system_language_variable: str | None = None
    installed = False


def _environ_before_install() -> dict[str, str]:
    environ = dict(os.environ)
    if _State.installed:
        environ.pop("LANGUAGE", None)
        if _State.system_language_variable is not None:
            environ["LANGUAGE"] = _State.system_language_variable
    return environ


def install(language: Language) -> None:
    """Word everything from now on in ``language``. A missing catalog falls back to English, never fails."""
    if language is Language.ENGLISH:
        translations: gettext.NullTranslations = gettext.NullTranslations()
    else:
        translations = gettext.translation(DOMAIN, LOCALE_DIR, [language.value], fallback=True)
    _State.language, _State.translations = language, translations
    if not _State.installed:
        _State.system_language_variable, _State.installed = os.environ.get("LANGUAGE"), True
    # argparse words its own parts ("usage:", "options") through the process's default gettext domain
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = language.value


def current_language() -> Language:
    return _State.language


def _(message: str) -> str:
    return _State.translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _State.translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _State.translations.pgettext(context, message)


def data_text(text: str) -> str:
    """Words that come from the shipped data files (a model's description, a preset's name), which
    ``scripts/i18n.py`` puts in the catalog; a person's own catalog or presets stay as they wrote them."""
    return _State.translations.gettext(text) if text else text


def N_(message: str) -> str:
    """Marks ``message`` for the catalog where it is defined; ``_()`` translates it where it is shown."""
    return message


# -- numbers, money, dates, durations (CLDR data through Babel) ---------------------------------------------
_loaded_locales: dict[Language, Locale] = {}


def _locale() -> Locale:
    language = _State.language
    locale = _loaded_locales.get(language)
    if locale is None:
        locale = _loaded_locales[language] = _load_locale(language)
    return locale


def _load_locale(language: Language) -> Locale:
    # Unpickling CLDR's data (the locale's and the global tables that parsing a name reads) makes some hundred
    # thousand objects, and every cyclic collection that sets off walks all the objects the process holds: in
    # the window, with Qt's bindings loaded, the load took 65 ms instead of 11. None of those objects could be
    # freed by a collection anyway: they are plain data Babel keeps.
    collecting = gc.isenabled()
    gc.disable()
    try:
        locale = language.babel_locale
        locale.number_symbols  # noqa: B018 - the first property read loads (and Babel caches) the data
    finally:
        if collecting:
            gc.enable()
    return locale


def _numbers() -> ModuleType:
    from babel import numbers

    return numbers


def _dates() -> ModuleType:
    from babel import dates

    return dates


def format_number(value: float, digits: int = 0) -> str:
    """``value`` with the locale's grouping and decimal sign, rounded to ``digits`` decimals."""
    if not math.isfinite(value):
        return str(value)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _numbers().format_decimal(value, format=pattern, locale=_locale())


def format_seconds_value(value: float) -> str:
    """A length in seconds without trailing zeros: 5, 7.5, 1,234."""
    if not math.isfinite(value):
        return str(value)
    return _numbers().format_decimal(value, format="#,##0.###", locale=_locale())


def format_percent(value: float) -> str:
    """``value`` (0.25 for a quarter) as the locale writes a percentage."""
    return _numbers().format_percent(value, locale=_locale())


def format_money(amount: float, currency: str, digits: int = 2) -> str:
    """``amount`` of ``currency`` (ISO code) as the locale writes money: "$0.50" / "US$0.50", "¥3.00"."""
    locale = _locale()
    pattern = locale.currency_formats["standard"].pattern
    number = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    # the locale's own pattern (where the sign goes, spacing), with the precision the price needs
    pattern = pattern.replace("#,##0.00", number)
    return _numbers().format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)


def format_date(day: date) -> str:
    return _dates().format_date(day, "medium", locale=_locale())


def format_short_date(day: date) -> str:
    return _dates().format_date(day, "short", locale=_locale())


def format_time(moment: datetime) -> str:
    return _dates().format_time(moment, "short", locale=_locale())


def format_datetime(moment: datetime) -> str:
    """Date and time to the second, in the locale's words and order."""
    return _dates().format_datetime(moment, "medium", locale=_locale())


def format_short_datetime(moment: datetime) -> str:
    return _dates().format_datetime(moment, "short", locale=_locale())


def format_month(day: date) -> str:
    """The month ``day`` falls in, with its year: "November 2026" / "2026年11月"."""
    return _dates().format_skeleton("yMMMM", day, locale=_locale())


def format_day_of_month(day: date) -> str:
    return _dates().format_date(day, "d", locale=_locale())


def format_duration(seconds: float) -> str:
    """A length people read at a glance: "5 s", "1 min 20 s", "1 h 2 min" / "5秒", "1分20秒"."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts: list[str] = []
    if hours:
        parts.append(_("{n} h").format(n=format_number(hours)))
    if minutes or (hours and secs):
        parts.append(_("{n} min").format(n=format_number(minutes)))
    if secs or not parts:
        parts.append(_("{n} s").format(n=format_number(secs)))
    return _unit_separator().join(parts)


def format_seconds(seconds: float) -> str:
    """A clip's length as a number of seconds ("5 s", "7.5 s" / "5秒"): what a model's duration option says."""
    return _("{n} s").format(n=format_seconds_value(seconds))


def _unit_separator() -> str:
    # Chinese writes a length's units together ("1分20秒"), English with spaces ("1 min 20 s")
    return "" if _State.language is Language.CHINESE else " "
