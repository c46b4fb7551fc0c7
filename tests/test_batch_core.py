"""Batch import core: folders, CSV/JSONL files, templates, per-row verdicts and costs, bad input in words."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from wan_desktop.core import cost
from wan_desktop.core.batch import (
    BatchRefused,
    BatchSettings,
    parse_lists,
    placeholders,
    preview,
    product_words,
    requests_to_queue,
)
from wan_desktop.core.batch_files import MAX_FILE_BYTES, BatchFileError, read_source
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import ShotType
from wan_desktop.core.presets import PresetBook

SETTINGS = BatchSettings(model="wan2.2-i2v-plus", region=Region.SINGAPORE)


@pytest.fixture
def folder(tmp_path):
    for name in ("a.png", "b.png", "c.jpg"):
        Image.new("RGB", (640, 480), (90, 120, 200)).save(tmp_path / name)
    (tmp_path / "sub").mkdir()
    Image.new("RGB", (640, 480)).save(tmp_path / "sub" / "d.png")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "fake.png").write_text("not an image either")
    return tmp_path


def write_csv(folder, text, name="jobs.csv", encoding="utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, settings=SETTINGS, **kwargs):
    return preview(read_source(path, **kwargs), settings)


def test_a_folder_makes_one_job_per_image_with_a_filter(folder):
    result = run(folder, BatchSettings(model="wan2.2-i2v-plus", template="a calm sea"), pattern="*.png")
    assert [row.where for row in result.rows] == ["a.png", "b.png", "fake.png"]
    assert [row.valid for row in result.rows] == [True, True, False]
    assert "fake.png" in result.rows[2].verdict
    assert all(row.prompt == "a calm sea" for row in result.rows)


def test_sub_folders_only_on_request(folder):
    assert "sub/d.png" not in [row.where for row in run(folder, pattern="*.png").rows]
    assert "sub/d.png" in [row.where for row in run(folder, pattern="*.png", recursive=True).rows]


def test_a_csv_row_per_job_with_options_and_cost(folder):
    path = write_csv(folder, "image,prompt,resolution,duration,seed,count\na.png,a fox,480P,5,7,2\n")
    result = run(path)
    (row,) = result.rows
    assert row.valid, row.problems
    assert [r.seed for r in row.requests] == [7, 8]
    assert row.requests[0].first_frame == str(folder / "a.png")
    assert row.requests[0].resolution == "480P"
    one = cost.estimate(row.requests[0], Region.SINGAPORE)
    assert one.known and row.estimate.amount == pytest.approx(2 * one.amount)
    assert result.total().amount == row.estimate.amount
    assert result.video_count() == 2


def test_templates_fill_from_columns_and_multiply_lists(folder):
    path = write_csv(folder, "image,mood\na.png,calm\nb.png,stormy\n")
    lists = parse_lists(["subject=a fox|a cat|an owl", "place=a forest|a city"])
    settings = BatchSettings(model="wan2.2-i2v-plus", template="{subject} in {place}, {mood}", lists=lists)
    result = run(path, settings)
    assert len(result.rows) == 12
    assert result.rows[0].prompt == "a fox in a forest, calm"
    assert "3 subjects x 2 places = 6 prompts per row" in result.notes
    assert product_words("{subject}", {"subject": ("x",)}) == "1 subject = 1 prompt per row"
    assert product_words("{subject}", {}) is None


def test_a_placeholder_without_a_column_is_a_sentence(folder):
    path = write_csv(folder, "image,prompt\na.png,{animal} jumping\n")
    (row,) = run(path).rows
    assert row.problems == ("Line 2: the prompt uses {animal}, but there is no column or list of that name.",)


def test_a_broken_template_is_a_sentence():
    with pytest.raises(ValueError, match="plain name"):
        placeholders("{a.b}")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_encodings_chinese_excel_writes(folder, encoding):
    path = write_csv(folder, "image,prompt\na.png,一只狐狸在雪中奔跑\n", encoding=encoding)
    (row,) = run(path).rows
    assert row.prompt == "一只狐狸在雪中奔跑"
    assert row.valid


def test_semicolons_and_blank_lines(folder):
    path = write_csv(folder, "\nimage;prompt;resolution\n\na.png;a fox, running;480P\n\n\nb.png;a cat;480P\n")
    result = run(path)
    assert [row.line for row in result.rows] == [4, 7]
    assert result.rows[0].prompt == "a fox, running"
    assert "columns separated by semicolons" in result.notes


def test_header_names_people_write(folder):
    path = write_csv(folder, "Image Path,Prompt,Negative Prompt\na.png,a fox,blur\n")
    (row,) = run(path).rows
    assert row.requests[0].negative_prompt == "blur"


def test_duplicate_columns_refuse_the_file(folder):
    path = write_csv(folder, "image,prompt,prompt\na.png,x,y\n")
    with pytest.raises(BatchFileError, match=r"'prompt' appears twice .*columns 2 and 3"):
        read_source(path)


def test_an_image_column_missing_says_what_each_row_needs(folder):
    path = write_csv(folder, "prompt\na fox\n")
    (row,) = run(path).rows
    assert (
        not row.valid and row.verdict.startswith("Line 2: First frame:") and "needs a first-frame image" in row.verdict
    )


def test_bad_rows_are_listed_with_their_line(folder):
    text = (
        "image,prompt,model,shot_type,duration\n"
        "a.png,ok,,,\n"
        "missing.png,x,,,\n"
        "fake.png,x,,,\n"
        "a.png,x,wan9,,\n"
        "a.png,x,,multi,\n"
        "a.png,x,,,five\n"
        "a.png,x,,,,extra\n"
    )
    result = run(write_csv(folder, text))
    verdicts = {row.line: row.verdict for row in result.rows}
    assert verdicts[2] == "Ready"
    assert verdicts[3].startswith("Line 3: First frame:") and "does not exist" in verdicts[3]
    assert verdicts[4].startswith("Line 4:") and "not an image" in verdicts[4]
    assert verdicts[5].startswith("Line 5: there is no model called 'wan9'")
    assert verdicts[6].startswith("Line 6: Shot type:")
    assert verdicts[7] == "Line 7: the duration 'five' is not a whole number."
    assert verdicts[8] == "Line 8: it has 6 cells but the header names 5 columns."


def test_nothing_is_queued_until_every_row_is_valid(folder):
    result = run(write_csv(folder, "image,prompt\na.png,ok\nmissing.png,bad\n"))
    with pytest.raises(BatchRefused, match="1 of 2 rows have problems, so nothing was queued"):
        requests_to_queue(result)
    only_valid = requests_to_queue(result, skip_invalid=True)
    assert [r.prompt for r in only_valid] == ["ok"]
    assert result.project.startswith("batch:")


def test_a_file_over_the_cap_is_refused_in_words(folder):
    path = folder / "huge.csv"
    path.write_bytes(b"image,prompt\n" + b"a.png," + b"x" * (10 * 1024 * 1024) + b"\n")
    with pytest.raises(BatchFileError, match=r"10\.0 MB; a batch file may be at most 4 MB"):
        read_source(path)
    assert MAX_FILE_BYTES < 10 * 1024 * 1024


def test_text_that_is_no_encoding_is_refused(folder):
    path = folder / "bin.csv"
    path.write_bytes(b"image,prompt\n\xff\xfe\x00\x81\xfe\xff\x80\n")
    with pytest.raises(BatchFileError):
        read_source(path)


def test_jsonl_rows(folder):
    lines = [
        json.dumps({"image": "a.png", "prompt": "a fox", "seed": 3, "resolution": "480P"}),
        "",
        "not json",
        json.dumps(["a list"]),
        json.dumps({"image": "a.png", "prompt": "x", "watermark": "maybe"}),
    ]
    path = folder / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(path)
    assert result.rows[0].valid and result.rows[0].requests[0].seed == 3
    assert result.rows[1].verdict == "Line 3: it is not valid JSON."
    assert result.rows[2].verdict.startswith("Line 4: it is not a JSON object")
    assert result.rows[3].verdict == "Line 5: the watermark 'maybe' is not yes or no."


def test_a_preset_gives_the_options_rows_do_not_set(folder, tmp_path):
    preset = PresetBook(tmp_path / "home").get("Cinematic multi-shot")
    path = write_csv(folder, "image,prompt,duration\na.png,a fox,\nb.png,a cat,5\n")
    result = run(path, BatchSettings(preset=preset, region=Region.SINGAPORE))
    first, second = (row.requests[0] for row in result.rows)
    assert first.model == "wan2.6-i2v" and first.shot_type is ShotType.MULTI and first.duration == 15
    assert second.duration == 5


def test_unused_columns_are_noted(folder):
    result = run(write_csv(folder, "image,prompt,resolutoin\na.png,x,480P\n"))
    assert any("resolutoin" in note for note in result.notes)


def test_empty_folder_and_empty_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchFileError, match="no image"):
        read_source(tmp_path / "empty")
    with pytest.raises(BatchFileError, match="empty"):
        read_source(write_csv(tmp_path, ""))


def test_a_batch_past_the_video_cap_is_cut_with_a_row_that_says_so(folder, monkeypatch):
    from wan_desktop.core import batch

    monkeypatch.setattr(batch, "MAX_JOBS", 3)
    result = run(write_csv(folder, "image,prompt,count\na.png,x,2\nb.png,y,2\nc.jpg,z,1\n"))
    assert [row.valid for row in result.rows] == [True, False]
    assert result.rows[1].verdict == "Line 3: a batch makes at most 3 videos; this row and the rest were left out."
    with pytest.raises(BatchRefused):
        requests_to_queue(result)


def test_a_shared_file_cannot_reach_pictures_elsewhere(folder, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("private")
    Image.new("RGB", (640, 480)).save(elsewhere / "secret.png")
    (folder / "link.png").symlink_to(elsewhere / "secret.png")
    text = f"image,prompt\n../{elsewhere.name}/secret.png,x\n{elsewhere / 'secret.png'},y\nlink.png,z\nsub/d.png,ok\n"
    result = run(write_csv(folder, text))
    verdicts = [row.verdict for row in result.rows]
    assert all("lies outside" in verdict for verdict in verdicts[:3]), verdicts
    assert verdicts[3] == "Ready"


def test_lists_used_by_the_prompt_column_show_their_product(folder):
    path = write_csv(folder, "image,prompt\na.png,{subject} in {place}\n")
    lists = parse_lists(["subject=a fox|a cat", "place=a forest|a city|a field", "unused=x|y"])
    result = run(path, BatchSettings(model="wan2.2-i2v-plus", lists=lists))
    assert len(result.rows) == 6
    assert "2 subjects x 3 places = 6 prompts per row" in result.notes
