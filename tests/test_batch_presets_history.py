"""Presets (files in the home, checked on load) and the prompt history (its own file, never the jobs table)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from wan_desktop.core.dashscope.types import GenerationRequest, ShotType
from wan_desktop.core.presets import PresetBook, PresetError, preset_from_dict, preset_from_request, read_preset_file
from wan_desktop.core.prompt_history import PromptHistory


def test_shipped_presets_are_all_valid(tmp_path):
    book = PresetBook(tmp_path)
    names = [p.name for p in book.all()]
    assert "Quick draft" in names and "Final 1080P" in names
    assert book.problems == ()
    assert all(p.builtin for p in book.all())


def test_save_rename_delete_export_import(tmp_path):
    book = PresetBook(tmp_path / "home")
    preset = preset_from_request("My look", GenerationRequest(model="wan2.6-i2v", resolution="720P", duration=10))
    book.save(preset)
    assert book.get("my look") == preset
    renamed = book.rename("My look", "Night look")
    assert book.get("My look") is None and book.get("Night look") == renamed
    target = book.export("Night look", tmp_path / "night.json")
    book.delete("Night look")
    assert book.get("Night look") is None
    with pytest.raises(PresetError, match="exists already"):
        book.export("Quick draft", target)
    assert [p.name for p in book.import_file(target)] == ["Night look"]
    with pytest.raises(PresetError, match="ships with the app"):
        book.delete("Final 1080P")


def test_a_preset_shows_where_the_composer_differs():
    preset = preset_from_dict({"name": "x", "model": "wan2.6-i2v", "resolution": "1080P", "duration": 10})
    request = preset.applied_to(GenerationRequest(model="wan2.6-i2v", prompt="a fox"))
    assert preset.differences(request) == ()
    assert preset.differences(GenerationRequest(model="wan2.6-i2v", resolution="720P", duration=10)) == ("resolution",)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([1, 2], "must be an object"),
        ({"model": "wan2.6-i2v"}, "needs a name"),
        ({"name": "x", "model": "wan9"}, "model that does not exist"),
        ({"name": "x", "model": "wan2.6-i2v", "duration": "10"}, "wrong kind"),
        ({"name": "x", "model": "wan2.6-i2v", "duration": True}, "wrong kind"),
        ({"name": "x", "model": "wan2.2-i2v-plus", "resolution": "720P"}, "does not fit its model"),
        ({"name": "x", "model": "wan2.2-i2v-plus", "shot_type": "multi"}, "does not fit its model"),
        ({"name": "x", "model": "wan2.6-i2v", "api_key": "sk-1"}, "fields the app does not know"),
        ({"name": "x", "model": "wan2.6-i2v", "shot_type": "wide"}, "unknown shot type"),
    ],
)
def test_bad_presets_are_refused_in_words(data, words):
    with pytest.raises(PresetError, match=words):
        preset_from_dict(data)


def test_a_broken_file_in_the_folder_is_listed_not_fatal(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "broken.json").write_text("{not json")
    (folder / "huge.json").write_bytes(b" " * (1 << 20))
    (folder / "good.json").write_text(json.dumps({"name": "Good", "model": "wan2.6-i2v"}))
    book = PresetBook(tmp_path)
    assert book.get("Good") is not None
    assert len(book.problems) == 2 and any("larger than" in p for p in book.problems)


def test_an_envelope_of_the_wrong_format_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"format": "other", "presets": []}))
    with pytest.raises(PresetError, match="not a Wan Desktop preset file"):
        read_preset_file(path)


def test_preset_with_shot_type_round_trips(tmp_path):
    book = PresetBook(tmp_path)
    preset = preset_from_dict({"name": "Multi", "model": "wan2.6-i2v", "shot_type": "multi"})
    book.save(preset)
    assert book.get("Multi").shot_type is ShotType.MULTI


def test_history_most_recent_first_with_pinning_and_search(tmp_path):
    history = PromptHistory(tmp_path)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n, text in enumerate(["a fox in snow", "a cat on a roof", "a fox at dusk"]):
        history.remember([text], when=start + timedelta(minutes=n))
    assert [e.text for e in history.search()] == ["a fox at dusk", "a cat on a roof", "a fox in snow"]
    history.pin("a fox in snow")
    assert history.search()[0].text == "a fox in snow" and history.search()[0].pinned
    assert [e.text for e in history.search("FOX")] == ["a fox in snow", "a fox at dusk"]
    history.remember(["a cat on a roof"], when=start + timedelta(hours=1))
    assert history.search()[1].text == "a cat on a roof" and history.search()[1].uses == 2


def test_history_clear_and_is_its_own_file(tmp_path):
    history = PromptHistory(tmp_path)
    history.remember(["secret idea", "  ", ""])
    assert [e.text for e in history.search()] == ["secret idea"]
    with sqlite3.connect(history.path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"prompts"}  # no jobs table in this file
    history.clear()
    assert history.search() == []
    assert b"secret idea" not in history.path.read_bytes()


def test_cli_submit_remembers_the_prompt(tmp_path):
    from tests.engine_helpers import make_image
    from tests.test_cli import cli

    image = make_image(tmp_path / "a.png")
    out = cli(tmp_path / "home", "demo", "submit", str(image), "--prompt", "a kite over the sea", key="")
    assert out.returncode == 0, out.stderr
    assert [e.text for e in PromptHistory(tmp_path / "home" / "demo").search()] == ["a kite over the sea"]
