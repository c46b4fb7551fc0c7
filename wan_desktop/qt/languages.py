"""The window's side of the language (the words themselves come from core.i18n): Qt's own strings, the
locale Qt widgets format with, and a font that has Chinese characters."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFontDatabase

from wan_desktop.core import i18n

log = logging.getLogger(__name__)
# where a bundle (packaging/wan_desktop.spec) or a person puts a CJK font for machines that have none
FONT_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "fonts"
_FONT_SUFFIXES = (".ttc", ".otf", ".ttf")


def install_qt_language(app: QCoreApplication) -> None:
    """Qt's standard buttons and menus ("OK", "Cancel", a line edit's "Copy"), date edits and number
    formats follow the app's language; Chinese text gets a font that has it."""
    language = i18n.current_language()
    QLocale.setDefault(QLocale(language.value))
    for old in app.findChildren(QTranslator, "wan-desktop-qt"):
        app.removeTranslator(old)
    if language is not i18n.Language.ENGLISH:
        translator = QTranslator(app)
        translator.setObjectName("wan-desktop-qt")
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{language.value}", folder):
            app.installTranslator(translator)
        else:
            log.info("Qt's own %s strings are not installed in %s; its buttons stay in English", language, folder)
    if language is i18n.Language.CHINESE:
        ensure_chinese_font()


def has_chinese_font() -> bool:
    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))


def ensure_chinese_font(folders: tuple[Path, ...] | None = None) -> bool:
    """True when some font shows Chinese: the system's, else one shipped with the app (the bundle carries
    Noto Sans CJK when the machine that built it had it)."""
    if has_chinese_font():
        return True
    for folder in folders if folders is not None else _font_folders():
        for path in sorted(folder.glob("*")) if folder.is_dir() else ():
            if path.suffix.lower() in _FONT_SUFFIXES and QFontDatabase.addApplicationFont(str(path)) >= 0:
                if has_chinese_font():
                    return True
    log.warning("No font with Chinese characters was found; install one such as Noto Sans CJK (fonts-noto-cjk)")
    return False


def _font_folders() -> tuple[Path, ...]:
    bundle = getattr(sys, "_MEIPASS", None)
    extra = (Path(bundle) / "wan_desktop" / "resources" / "fonts",) if bundle else ()
    return (FONT_FOLDER, *extra)


def language_problems() -> list[str]:
    """What a bundle could have lost for its languages (the self-test reports each): the catalogs, Babel's
    data, Qt's own translations, a font with Chinese characters. English needs none of them."""
    import gettext
    from datetime import date

    from babel import Locale
    from babel.dates import format_date

    problems: list[str] = []
    for language in i18n.Language:
        if language is i18n.Language.ENGLISH:
            continue
        try:
            catalog = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, [language.value])
            if catalog.gettext("usage: ") == "usage: ":
                problems.append(f"the {language.value} catalog has no translations")
        except OSError as error:
            problems.append(f"the {language.value} catalog is missing ({error})")
        try:
            format_date(date(2026, 11, 2), "medium", locale=Locale.parse(language.value))
        except (ValueError, OSError) as error:
            problems.append(f"Babel has no {language.value} data ({error})")
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if not QTranslator().load(f"qtbase_{language.value}", folder):
            problems.append(f"Qt's own {language.value} strings are missing from {folder}")
    if not ensure_chinese_font():
        problems.append("no font with Chinese characters, neither the system's nor a shipped one")
    return problems
