"""The translation plumbing: choosing the language, the catalogs' check, and locale formats."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.zh_text import has_chinese
from wan_desktop.core import i18n
from wan_desktop.core.i18n import Language, chosen_language, system_language
from wan_desktop.core.settings import Settings, SettingsStore, saved_language

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Language.ENGLISH),
        ({"LANG": "zh_CN.UTF-8"}, Language.CHINESE),
        ({"LANG": "zh_TW.UTF-8"}, Language.CHINESE),
        ({"LANG": "C.UTF-8"}, Language.ENGLISH),
        ({"LANG": "de_DE.UTF-8"}, Language.ENGLISH),
        ({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}, Language.CHINESE),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, Language.ENGLISH),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, Language.CHINESE),
    ],
)
def test_the_app_follows_the_system_locale(environ, expected):
    assert system_language(environ) is expected


def test_an_option_beats_the_setting_which_beats_the_system():
    chinese_system = {"LANG": "zh_CN.UTF-8"}
    assert chosen_language("", "", "system", environ=chinese_system) is Language.CHINESE
    assert chosen_language("", "", "en", environ=chinese_system) is Language.ENGLISH
    assert chosen_language("zh_CN", "", "en", environ={}) is Language.CHINESE
    assert chosen_language("klingon", "", "", environ={}) is Language.ENGLISH


def test_the_saved_language_is_read_without_trusting_the_file(tmp_path):
    assert saved_language(tmp_path) == "system"
    SettingsStore(tmp_path).save(Settings(language="zh_CN"))
    assert saved_language(tmp_path) == "zh_CN"
    for hostile in (
        '{"language": "../../etc"}',
        '{"language": 7}',
        "[1, 2]",
        "not json",
        '{"language": "x' + "y" * 2_000_000,
    ):
        (tmp_path / "settings.json").write_text(hostile, encoding="utf-8")
        assert saved_language(tmp_path) == "system"
    (tmp_path / "settings.json").write_text('{"language": "zh_TW"}', encoding="utf-8")
    settings = SettingsStore(tmp_path).load()
    assert settings.language == "system"  # an unknown language is reset, with the sentence every bad field gets


def test_words_and_formats_follow_the_installed_language(chinese):
    assert i18n.format_duration(80) == "1分20秒"
    assert i18n.format_date(date(2026, 11, 2)) == "2026年11月2日"
    assert i18n.format_money(3, "CNY") == "¥3.00"
    assert i18n.format_number(12345) == "12,345"
    i18n.install(Language.ENGLISH)
    assert i18n.format_duration(80) == "1 min 20 s"
    assert i18n.format_date(date(2026, 11, 2)) == "2 Nov 2026"
    assert i18n.format_time(datetime(2026, 11, 2, 14, 5)) == "14:05"
    assert i18n.format_money(0.1875, "USD", 3) == "US$0.188"


def test_loading_a_locales_data_leaves_the_collector_as_it_found_it(monkeypatch):
    for collecting in (True, False):
        monkeypatch.setattr(i18n, "_loaded_locales", {})  # the next number worded loads the locale again
        (gc.enable if collecting else gc.disable)()
        try:
            assert i18n.format_number(12345) == "12,345"
            assert gc.isenabled() is collecting
        finally:
            gc.enable()


def test_a_missing_catalog_falls_back_to_english(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.install(Language.CHINESE)
    assert i18n._("{n} s").format(n=5) == "5 s"


def test_the_catalogs_are_current_and_complete():
    """What CI's gate runs: a string without a translation, or a catalog behind the code, fails."""
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_check_fails_on_an_f_string_or_a_translation_at_import_time():
    import ast

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import i18n as catalog_tool  # scripts/i18n.py
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    tree = ast.parse('X = _("at import")\ndef f(n):\n    return _(f"{n} videos"), N_("fine"), _("fine")\n')
    problems = catalog_tool._calls_in(tree, "planted.py")
    assert len(problems) == 2 and "import time" in problems[0] and "literal" in problems[1]
    catalog = catalog_tool.Catalog(locale="zh_CN")
    catalog.add("{n} videos in {folder}", "{n} 个视频")
    assert catalog_tool.placeholder_problems(catalog)


def test_the_desktop_entry_has_a_chinese_name_and_comment():
    import configparser

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive in a desktop entry
    entry.read(ROOT / "packaging" / "wan-desktop.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    for key in ("Name[zh_CN]", "GenericName[zh_CN]", "Comment[zh_CN]"):
        assert has_chinese(section[key]), key


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8"}, "en"),
    ],
)
def test_the_system_language_is_the_systems_after_the_app_chose_another(system, expected):
    # install() writes the language in use into LANGUAGE (argparse and Qt read it): "System language (…)" in
    # Settings must still name what the system asked for, not what the person chose instead.
    other = "en" if expected == "zh_CN" else "zh_CN"
    code = (
        "import os\n"
        "from wan_desktop.core import i18n\n"
        f"i18n.install(i18n.Language({other!r}))\n"
        f"i18n.install(i18n.Language({other!r}))\n"  # a second install must not take its own word for the system's
        "print(os.environ['LANGUAGE'], i18n.system_language().value)\n"
    )
    locale_variables = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    environ = {key: value for key, value in os.environ.items() if key not in locale_variables}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**environ, **system}, capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.split() == [other, expected]
