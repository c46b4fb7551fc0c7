"""batch, preset and inspect on the command line, and the demo round trip of the settings inside a video."""

from __future__ import annotations

import json
import shutil

import av
import pytest

from tests.engine_helpers import make_image
from tests.test_cli import cli
from wan_desktop.cli import EXIT_BUSY, EXIT_OK, EXIT_USAGE
from wan_desktop.core.home_lock import HomeLock
from wan_desktop.core.media_tags import SETTINGS_TAG

NO_KEY = ""


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for n in range(3):
        make_image(folder / f"img{n}.png", color=(40 * n, 90, 160))
    (folder / "good.csv").write_text(
        "image,prompt,resolution\nimg0.png,a fox,480P\nimg1.png,a cat,480P\n", encoding="utf-8"
    )
    (folder / "mixed.csv").write_text(
        "image,prompt,resolution\nimg0.png,a fox,480P\nnope.png,x,480P\n", encoding="utf-8"
    )
    return folder


def demo_jobs(home):
    out = cli(home, "demo", "jobs", "--json", key=NO_KEY)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_dry_run_prints_the_preview_and_queues_nothing(tmp_path, data):
    home = tmp_path / "home"
    out = cli(home, "demo", "batch", str(data / "mixed.csv"), "--model", "wan2.2-i2v-plus", "--dry-run", key=NO_KEY)
    assert out.returncode == EXIT_USAGE
    assert "line 2" in out.stdout and "Line 3: First frame:" in out.stdout
    assert "1 valid row of 2" in out.stdout
    assert "Traceback" not in out.stderr
    assert not (home / "demo" / "jobs.sqlite3").exists() or demo_jobs(home) == []


def test_batch_queues_only_when_every_row_is_valid(tmp_path, data):
    home = tmp_path / "home"
    refused = cli(home, "demo", "batch", str(data / "mixed.csv"), "--model", "wan2.2-i2v-plus", key=NO_KEY)
    assert refused.returncode == EXIT_USAGE and "nothing was queued" in refused.stderr
    assert demo_jobs(home) == []
    skipped = cli(
        home, "demo", "batch", str(data / "mixed.csv"), "--model", "wan2.2-i2v-plus", "--skip-invalid", key=NO_KEY
    )
    assert skipped.returncode == EXIT_OK, skipped.stderr
    assert [row["prompt"] for row in demo_jobs(home)] == ["a fox"]


def test_batch_json_preview(tmp_path, data):
    out = cli(
        tmp_path / "h",
        "demo",
        "batch",
        str(data / "good.csv"),
        "--model",
        "wan2.2-i2v-plus",
        "--dry-run",
        "--json",
        key=NO_KEY,
    )
    body = json.loads(out.stdout)
    assert body["valid_rows"] == 2 and body["videos"] == 2 and body["total"] is not None
    assert [row["verdict"] for row in body["rows"]] == ["Ready", "Ready"]


def test_batch_waits_for_no_one_while_another_holds_the_home(tmp_path, data):
    home = tmp_path / "home"
    with HomeLock.acquire(home / "demo", "a test"):
        out = cli(home, "demo", "batch", str(data / "good.csv"), "--model", "wan2.2-i2v-plus", key=NO_KEY)
        assert out.returncode == EXIT_BUSY
        preview = cli(
            home, "demo", "batch", str(data / "good.csv"), "--model", "wan2.2-i2v-plus", "--dry-run", key=NO_KEY
        )
        assert preview.returncode == EXIT_OK  # a preview writes nothing, so it needs no lock


def test_a_folder_with_a_template_and_a_preset(tmp_path, data):
    out = cli(
        tmp_path / "h",
        "demo",
        "batch",
        str(data),
        "--filter",
        "img[01].png",
        "--prompt",
        "{animal} running",
        "--var",
        "animal=a fox|a hare",
        "--preset",
        "Quick draft",
        "--dry-run",
        "--json",
        key=NO_KEY,
    )
    body = json.loads(out.stdout)
    assert [row["prompt"] for row in body["rows"]] == ["a fox running", "a hare running"] * 2
    assert "2 animals = 2 prompts per row" in body["notes"]


def test_presets_on_the_command_line(tmp_path):
    home = tmp_path / "home"
    listed = cli(home, "preset", "list", key=NO_KEY)
    assert "Quick draft" in listed.stdout and "Final 1080P" in listed.stdout
    saved = cli(home, "preset", "save", "Mine", "--model", "wan2.2-i2v-plus", "--resolution", "480P", key=NO_KEY)
    assert saved.returncode == EXIT_OK, saved.stderr
    bad = cli(home, "preset", "save", "Bad", "--model", "wan2.2-i2v-plus", "--resolution", "720P", key=NO_KEY)
    assert bad.returncode != EXIT_OK and "does not fit its model" in bad.stderr and "Traceback" not in bad.stderr
    exported = cli(home, "preset", "export", "Mine", str(tmp_path / "mine.json"), key=NO_KEY)
    assert exported.returncode == EXIT_OK and json.loads((tmp_path / "mine.json").read_text())["resolution"] == "480P"
    assert cli(home, "preset", "delete", "Mine", key=NO_KEY).returncode == EXIT_OK
    assert "Mine" not in cli(home, "preset", "list", key=NO_KEY).stdout
    imported = cli(home, "preset", "import", str(tmp_path / "mine.json"), key=NO_KEY)
    assert imported.returncode == EXIT_OK and "Mine" in cli(home, "preset", "list", key=NO_KEY).stdout
    builtin = cli(home, "preset", "delete", "Quick draft", key=NO_KEY)
    assert builtin.returncode != EXIT_OK and "ships with the app" in builtin.stderr


def test_inspect_of_a_video_that_is_not_ours(tmp_path):
    path = tmp_path / "x.mp4"
    path.write_bytes(b"junk")
    out = cli(tmp_path / "h", "inspect", str(path), key=NO_KEY)
    assert out.returncode != EXIT_OK and "carries no Wan Desktop settings" in out.stderr


def test_demo_video_round_trip_to_an_empty_library(tmp_path, data):
    """A demo video copied alone to another library: inspect and rebuild recover the sidecar's settings."""
    home = tmp_path / "home"
    submitted = cli(
        home,
        "demo",
        "submit",
        str(data / "img0.png"),
        "--model",
        "wan2.2-i2v-plus",
        "--resolution",
        "480P",
        "--prompt",
        "a lighthouse at dusk",
        "--negative",
        "blur",
        "--seed",
        "1234",
        key=NO_KEY,
    )
    assert submitted.returncode == EXIT_OK, submitted.stderr
    assert cli(home, "demo", "run", key=NO_KEY).returncode == EXIT_OK
    (done,) = demo_jobs(home)
    video = done["video_path"]
    sidecar = json.loads(open(video[:-4] + ".json", encoding="utf-8").read())["job"]

    with av.open(video) as container:  # the tags a player (or ffprobe) shows
        tags = dict(container.metadata)
    assert tags["title"] == "a lighthouse at dusk" and "Wan Desktop" in tags["comment"]
    assert SETTINGS_TAG in tags

    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(video, other / "shared.mp4")
    inspected = json.loads(cli(tmp_path / "h2", "inspect", str(other / "shared.mp4"), "--json", key=NO_KEY).stdout)
    assert inspected["request"] == sidecar["request"]
    assert inspected["task_id"] == sidecar["task_id"] and inspected["job_id"] == sidecar["id"]

    home2 = tmp_path / "home2"
    rebuilt = cli(home2, "--library", str(other), "library", "rebuild", key=NO_KEY)
    assert "Restored 1 job" in rebuilt.stdout, rebuilt.stderr
    (row,) = json.loads(cli(home2, "jobs", "--json", key=NO_KEY).stdout)
    assert row["state"] == "done" and row["id"] == sidecar["id"] and row["prompt"] == "a lighthouse at dusk"
    assert row["task_id"] == sidecar["task_id"]


@pytest.mark.parametrize(
    ("name", "body", "words"),
    [
        ("huge.csv", b"image,prompt\n" + b"a.png," + b"x" * (10 * 1024 * 1024) + b"\n", "a batch file may be at most"),
        ("dup.csv", b"image;prompt;Prompt\na.png;x;y\n", "appears twice"),
        ("missing.csv", None, "neither a file nor a folder"),
        ("zh.csv", "image,prompt\nimg0.png,一只狐狸\n".encode("gbk"), None),
    ],
)
def test_bad_files_get_a_sentence_and_no_traceback(tmp_path, data, name, body, words):
    path = data / name
    if body is not None:
        path.write_bytes(body)
    out = cli(tmp_path / "h", "demo", "batch", str(path), "--model", "wan2.2-i2v-plus", "--dry-run", key=NO_KEY)
    assert "Traceback" not in out.stderr
    if words is None:  # GBK from Chinese Excel reads fine
        assert out.returncode == EXIT_OK and "一只狐狸" in out.stdout and "GBK" in out.stdout
    else:
        assert out.returncode == EXIT_USAGE and words in out.stderr
