"""Chinese prompts end to end in the library: search finds a word inside a sentence, file names stay
readable, and the search index covers jobs made before it existed."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from tests.test_store import make_job
from wan_desktop.core import history
from wan_desktop.core.history import GalleryQuery
from wan_desktop.core.library import Library, slugify
from wan_desktop.core.store import JobStore
from wan_desktop.core.store_schema import MIGRATIONS, SCHEMA_VERSION


@pytest.fixture
def store(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    yield store
    store.close()


def found(store, text):
    return sorted(job.request.prompt for job in store.search(text))


def test_a_chinese_word_is_found_inside_a_sentence(store, tmp_path):
    for number, prompt in enumerate(["山后的日落很美", "日出时的海边", "a red fox at sunset", "一只猫在睡觉"]):
        store.add(make_job(number, prompt=prompt))
    assert found(store, "日落") == ["山后的日落很美"]  # two characters: below a trigram, found by LIKE
    assert found(store, "的日落很") == ["山后的日落很美"]  # three or more: the trigram index
    assert found(store, "日") == ["山后的日落很美", "日出时的海边"]
    assert found(store, "日落 山后") == ["山后的日落很美"]  # every word must match
    assert found(store, "日落 海边") == []
    assert found(store, "sun") == ["a red fox at sunset"]  # spaced words still match as prefixes
    assert found(store, "un") == []  # ... and not from inside a word
    library = Library(tmp_path / "library")
    items = history.gallery_items(store, library, GalleryQuery(text="日落"))
    assert [item.prompt for item in items] == ["山后的日落很美"]


def test_chinese_search_reaches_the_negative_and_rewritten_prompts(store):
    job = make_job(1, prompt="城市夜景")
    negative = replace(job.request, negative_prompt="不要模糊的画面")
    store.add(replace(job, request=negative, actual_prompt="霓虹灯下的街道"))
    assert len(store.search("模糊")) == 1 and len(store.search("霓虹灯下")) == 1
    store.save(replace(job, actual_prompt="清晨的街道"))
    assert store.search("霓虹灯下") == [] and len(store.search("清晨")) == 1
    store.delete(job.id)
    assert store.search("清晨") == [] and store.search("城市夜景") == []


def test_like_wildcards_in_the_search_are_taken_literally(store):
    store.add(make_job(1, prompt="百分之百%的日落"))
    store.add(make_job(2, prompt="日落"))
    assert found(store, "%的") == ["百分之百%的日落"]
    assert found(store, "_落") == []
    assert found(store, '"日落') == []  # a quote in the text is part of the word, not FTS syntax


def test_a_library_made_before_the_trigram_index_is_indexed_when_opened(tmp_path):
    path = tmp_path / "jobs.db"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[: SCHEMA_VERSION - 1]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    store = JobStore(path)
    try:
        store.add(make_job(1, prompt="山后的日落很美"))
    finally:
        store.close()
    # an older database with the job already in it: reopening after a downgrade-free upgrade keeps it found
    store = JobStore(path)
    try:
        assert found(store, "日落很") == ["山后的日落很美"]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("prompt", "slug"),
    [
        ("山后的日落很美", "山后的日落很美"),
        ("山后的日落很美，对吧？", "山后的日落很美-对吧"),
        ("夕日が山に沈む", "夕日が山に沈む"),  # kana keep their voicing marks (が is not か)
        ("한국어 프롬프트", "한국어-프롬프트"),
        ("Café au lait", "cafe-au-lait"),
        ("ＦＵＬＬ　ｗｉｄｔｈ", "full-width"),
    ],
)
def test_a_prompt_in_any_script_gives_a_readable_file_name(prompt, slug):
    assert slugify(prompt) == slug


def test_a_chinese_prompt_names_the_video_file(tmp_path):
    library = Library(tmp_path)
    name = library.video_path(make_job(1, prompt="山后的日落很美")).name
    assert "山后的日落很美" in name and name.endswith(".mp4")
    assert len(name.encode("utf-8")) < 255  # every file system's limit
    long_name = library.video_path(make_job(2, prompt="山" * 300)).name
    assert len(long_name.encode("utf-8")) < 255
