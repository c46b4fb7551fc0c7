"""Typed settings on disk, and the platform folders."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.paths import default_home, default_library
from wan_desktop.core.settings import Settings, SettingsStore


def test_missing_file_gives_defaults(tmp_path):
    store = SettingsStore(tmp_path / "home")
    assert store.load() == Settings()
    assert store.problem is None
    assert Settings().region is Region.SINGAPORE and Settings().last_model == "wan2.6-i2v-flash"


def test_round_trip_of_every_field(tmp_path):
    settings = Settings(
        library_dir=tmp_path / "Videos" / "Wan Desktop",
        region=Region.FRANKFURT,
        workspace="ws-123",
        workspaces=(("cn-hongkong", "ws-hk1"),),
        custom_base_url="http://127.0.0.1:8000/api/v1",
        max_concurrent_jobs=3,
        notifications=False,
        keep_running_in_tray=True,
        last_model="wan2.7-i2v",
        window_geometry="AdnQywADAAA=",
        language="zh_CN",
    )
    assert {f.name for f in fields(Settings) if getattr(settings, f.name) == getattr(Settings(), f.name)} == set()
    store = SettingsStore(tmp_path / "home")
    store.save(settings)
    assert SettingsStore(tmp_path / "home").load() == settings
    data = json.loads((tmp_path / "home" / "settings.json").read_text(encoding="utf-8"))
    assert data["region"] == "eu-central-1" and data["version"] == 1


def test_with_changes_returns_a_new_value():
    base = Settings()
    changed = base.with_changes(region=Region.BEIJING, notifications=False)
    assert (changed.region, changed.notifications) == (Region.BEIJING, False)
    assert base == Settings()
    with pytest.raises(TypeError):
        base.with_changes(api_key="sk-nope")  # there is no such field, and never will be


def test_no_setting_is_named_like_a_key():
    names = [f.name for f in fields(Settings)]
    assert not [name for name in names if "key" in name.lower() or "secret" in name.lower()]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe garbage"])
def test_a_damaged_file_gives_defaults_and_is_kept(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_bytes(content.encode("latin-1"))
    store = SettingsStore(tmp_path)
    assert store.load() == Settings()
    assert "defaults" in store.problem and "settings.json.bad" in store.problem
    assert (tmp_path / "settings.json.bad").read_bytes() == content.encode("latin-1")
    store.save(Settings(workspace="x"))  # saving afterwards repairs the file
    assert SettingsStore(tmp_path).load().workspace == "x"


def test_one_bad_field_keeps_the_others(tmp_path):
    (tmp_path / "settings.json").write_text(
        json.dumps(
            {
                "region": "mars-1",
                "workspace": "ws-9",
                "max_concurrent_jobs": 0,
                "notifications": "yes",
                "library_dir": "/videos/wan",
                "some_future_setting": 1,
            }
        )
    )
    store = SettingsStore(tmp_path)
    settings = store.load()
    assert settings.workspace == "ws-9" and settings.library_dir == Path("/videos/wan")
    assert settings.region is Region.SINGAPORE and settings.max_concurrent_jobs is None and settings.notifications
    assert "region, max_concurrent_jobs, notifications" in store.problem
    assert (tmp_path / "settings.json.bad").exists()


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    store = SettingsStore(tmp_path)
    for number in range(3):
        store.save(Settings(workspace=f"w{number}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


# -- platform folders ---------------------------------------------------------------------------------------
def test_home_override_wins(tmp_path):
    assert default_home({"WAN_DESKTOP_HOME": str(tmp_path / "profile")}, "linux") == tmp_path / "profile"


@pytest.mark.parametrize(
    "platform,environ,expected",
    [
        ("linux", {}, ".local/share/wan-desktop"),
        ("linux", {"XDG_DATA_HOME": "/data/xdg"}, "/data/xdg/wan-desktop"),
        ("linux", {"XDG_DATA_HOME": "relative/ignored"}, ".local/share/wan-desktop"),
        ("darwin", {}, "Library/Application Support/Wan Desktop"),
        ("win32", {"APPDATA": "C:/Users/me/AppData/Roaming"}, "C:/Users/me/AppData/Roaming/Wan Desktop"),
        ("win32", {}, "AppData/Roaming/Wan Desktop"),
    ],
)
def test_home_per_platform(tmp_path, platform, environ, expected):
    home = default_home(environ, platform, user_home=tmp_path)
    assert home == (Path(expected) if Path(expected).is_absolute() or ":" in expected else tmp_path / expected)


def test_default_library(tmp_path):
    assert default_library(tmp_path) == tmp_path / "Wan Desktop"
    (tmp_path / "Videos").mkdir()
    assert default_library(tmp_path) == tmp_path / "Videos" / "Wan Desktop"


def test_default_library_on_a_mac(tmp_path):
    (tmp_path / "Movies").mkdir()
    assert default_library(tmp_path) == tmp_path / "Movies" / "Wan Desktop"


@pytest.mark.parametrize("url", ["http://example.com/api/v1", "http://10.1.2.3:8000/api/v1", "ftp://x/y"])
def test_a_saved_plain_http_url_elsewhere_is_not_used(tmp_path, url):
    """settings.json is plain text anyone can edit: it must not point the key at a plain-http host."""
    store = SettingsStore(tmp_path)
    store.path.write_text(json.dumps({"version": 1, "region": "custom", "custom_base_url": url, "workspace": "w"}))
    settings = store.load()
    assert settings.custom_base_url == "" and settings.workspace == "w" and settings.region is Region.CUSTOM
    assert "custom_base_url" in store.problem and store.bad_path.exists()


def test_a_saved_loopback_or_https_url_is_kept(tmp_path):
    store = SettingsStore(tmp_path)
    for url in ("http://127.0.0.1:8000/api/v1", "https://proxy.example.com/api/v1", ""):
        store.save(Settings(region=Region.CUSTOM, custom_base_url=url))
        assert store.load().custom_base_url == url and store.problem is None
