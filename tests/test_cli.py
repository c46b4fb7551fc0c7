"""The headless CLI in subprocesses against the simulator, including SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.conftest import TEST_KEY
from tests.engine_helpers import make_image


def cli(home: Path, *args: str, base_url: str | None = None, key: str = TEST_KEY, **kwargs):
    env = dict(os.environ, DASHSCOPE_API_KEY=key, WAN_DESKTOP_HOME=str(home))
    prefix = ["--base-url", base_url] if base_url else []
    return subprocess.run(
        [sys.executable, "-m", "wan_desktop", *prefix, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=kwargs.pop("timeout", 120),
        **kwargs,
    )


def jobs_json(home: Path, base_url: str) -> list[dict]:
    out = cli(home, "jobs", "--json", base_url=base_url)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def images(tmp_path):
    return [make_image(tmp_path / f"in{n}.png", color=(40 * n, 90, 160)) for n in range(3)]


def test_submit_run_jobs(tmp_path, simulator, images):
    home, library = tmp_path / "home", tmp_path / "videos"
    out = cli(
        home,
        "--library",
        str(library),
        "submit",
        *map(str, images[:2]),
        "--prompt",
        "a lighthouse",
        "--model",
        "wan2.2-i2v-plus",
        "--resolution",
        "480P",
        "--count",
        "2",
        base_url=simulator.base_url,
    )
    assert out.returncode == 0, out.stderr
    ids = out.stdout.split()
    assert len(ids) == 4
    run = cli(home, "run", base_url=simulator.base_url)
    assert run.returncode == 0, run.stderr
    assert "Done" in run.stderr
    rows = jobs_json(home, simulator.base_url)
    assert {row["id"] for row in rows} == set(ids)
    for row in rows:
        assert row["state"] == "done" and row["task_id"] and row["error"] is None
        assert Path(row["video_path"]).is_file() and Path(row["video_path"]).parent == library
        assert {"id", "state", "prompt", "model", "task_id", "video_path", "error"} <= row.keys()


def test_submit_refuses_bad_options_without_a_call(tmp_path, simulator, images):
    out = cli(
        tmp_path / "home",
        "--library",
        str(tmp_path / "v"),
        "submit",
        str(images[0]),
        "--model",
        "wan2.2-i2v-plus",
        "--duration",
        "7",
        base_url=simulator.base_url,
    )
    assert out.returncode == 64
    assert "duration" in out.stderr and "5" in out.stderr
    assert simulator.requests() == []


def test_not_an_image_is_refused_in_words(tmp_path, simulator):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    out = cli(tmp_path / "home", "--library", str(tmp_path / "v"), "submit", str(text), base_url=simulator.base_url)
    assert out.returncode == 64 and "notes.txt" in out.stderr and "Traceback" not in out.stderr


def test_wrong_key_stops_with_words_and_exit_2(tmp_path, simulator, images):
    home = tmp_path / "home"
    cli(
        home,
        "--library",
        str(tmp_path / "v"),
        "submit",
        str(images[0]),
        "--model",
        "wan2.2-i2v-plus",
        "--resolution",
        "480P",
        base_url=simulator.base_url,
    )
    run = cli(home, "run", base_url=simulator.base_url, key="sk-wrong")
    assert run.returncode == 2
    assert "key" in run.stderr and "Traceback" not in run.stderr
    assert jobs_json(home, simulator.base_url)[0]["state"] == "queued"


def test_cancel_retry_and_rebuild(tmp_path, simulator, images):
    home, library = tmp_path / "home", tmp_path / "videos"
    ids = cli(
        home,
        "--library",
        str(library),
        "submit",
        str(images[0]),
        "--model",
        "wan2.2-i2v-plus",
        "--resolution",
        "480P",
        "--count",
        "2",
        base_url=simulator.base_url,
    ).stdout.split()
    assert cli(home, "cancel", ids[0][:10], base_url=simulator.base_url).stdout.strip() == "Canceled."
    assert cli(home, "retry", ids[0][:10], base_url=simulator.base_url).stdout.strip() == "Queued again."
    assert cli(home, "run", base_url=simulator.base_url).returncode == 0
    (home / "jobs.sqlite3").unlink()
    for extra in ("-wal", "-shm"):
        Path(str(home / "jobs.sqlite3") + extra).unlink(missing_ok=True)
    out = cli(home, "library", "rebuild", base_url=simulator.base_url)
    assert "Restored 2 jobs" in out.stdout, out.stderr
    assert {row["id"] for row in jobs_json(home, simulator.base_url)} == set(ids)


def test_demo_commands_need_no_key(tmp_path, images):
    home = tmp_path / "home"
    env_key = ""
    out = cli(home, "demo", "submit", str(images[0]), "--model", "wan2.2-i2v-plus", "--resolution", "480P", key=env_key)
    assert out.returncode == 0, out.stderr
    run = cli(home, "demo", "run", key=env_key)
    assert run.returncode == 0, run.stderr
    rows = json.loads(cli(home, "demo", "jobs", "--json", key=env_key).stdout)
    assert [row["state"] for row in rows] == ["done"]


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_duplicates_a_job(tmp_path, simulator, images):
    """Kill `wan-desktop run` many times mid-way; every job ends done exactly once, intact, no .part."""
    home, library = tmp_path / "home", tmp_path / "videos"
    ids = cli(
        home,
        "--library",
        str(library),
        "submit",
        *map(str, images),
        "--model",
        "wan2.2-i2v-plus",
        "--resolution",
        "480P",
        "--count",
        "2",
        base_url=simulator.base_url,
    ).stdout.split()
    assert len(ids) == 6
    # some trouble along the way, so kills land in retries, reconciliation and resumed downloads
    simulator.add_faults(
        [
            {"on": "create", "times": 1, "action": "drop_after_commit"},
            {"on": "download", "times": 2, "action": "truncate"},
            {
                "on": "query",
                "times": 2,
                "status": 429,
                "code": "Throttling",
                "message": "Requests throttling triggered.",
            },
        ]
    )
    chooser = random.Random(20261126)
    env = dict(os.environ, DASHSCOPE_API_KEY=TEST_KEY, WAN_DESKTOP_HOME=str(home))
    command = [sys.executable, "-m", "wan_desktop", "--base-url", simulator.base_url, "run", "--quiet"]
    kills = 0
    for _ in range(12):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=chooser.uniform(0.3, 2.0))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
    assert kills >= 6, "most runs should have been killed mid-way"
    final = cli(home, "run", base_url=simulator.base_url, timeout=240)
    assert final.returncode == 0, final.stderr
    rows = jobs_json(home, simulator.base_url)
    assert sorted(row["id"] for row in rows) == sorted(ids)
    assert [row["state"] for row in rows] == ["done"] * 6, [(r["state"], r["error"]) for r in rows]
    tasks = simulator.tasks()
    assert len(tasks) == 6 and sorted(t["id"] for t in tasks) == sorted(row["task_id"] for row in rows)
    assert all(task["create_request_count"] == 1 for task in tasks)
    for row in rows:
        with av.open(row["video_path"]) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == 150  # 5 s at 30 fps, every frame decodes
    assert not list(library.rglob("*.part"))


# -- options for one command apply to that command only (issue 9, item 6) --------------------------------------
def test_base_url_and_region_are_not_remembered(tmp_path, simulator, images):
    from wan_desktop.core.dashscope.catalog import Region
    from wan_desktop.core.settings import Settings, SettingsStore

    home = tmp_path / "home"
    store = SettingsStore(home)
    store.save(Settings(library_dir=tmp_path / "videos", region=Region.CUSTOM, custom_base_url=simulator.base_url))
    before = (home / "settings.json").read_text()
    submitted = cli(home, "submit", str(images[0]), "--model", "wan2.2-i2v-plus", "--resolution", "480P")
    assert submitted.returncode == 0, submitted.stderr
    one_off = cli(home, "jobs", base_url="http://127.0.0.1:9/api/v1")  # a test URL nothing listens on
    assert one_off.returncode == 0, one_off.stderr
    assert cli(home, "--region", "cn-beijing", "jobs").returncode == 0
    assert (home / "settings.json").read_text() == before
    run = cli(home, "run")  # no option: the person's own setting, the simulator
    assert run.returncode == 0, run.stderr
    assert [row["state"] for row in jobs_json(home, simulator.base_url)] == ["done"]
    assert any(r["method"] == "POST" for r in simulator.requests())


@pytest.mark.parametrize("url", ["http://example.com/api/v1", "http://10.0.0.8:8000/api/v1", "ftp://127.0.0.1/x"])
def test_plain_http_elsewhere_is_refused_in_words(tmp_path, url):
    for command in (["jobs"], ["run"]):
        out = cli(tmp_path / "home", *command, base_url=url)
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert ("plain http://" in out.stderr) if url.startswith("http:") else ("https://" in out.stderr)
    settings = json.loads((tmp_path / "home" / "settings.json").read_text())
    assert settings["custom_base_url"] == ""


# -- keys are checked before anything is sent (issue 9, item 4) ------------------------------------------------
BAD_KEYS = ["sk-test-0123\n456789abcdef", "sk-test-0123\u200b456789abcdef", "sk-test-0123é456789abcdef"]


@pytest.mark.parametrize("bad", BAD_KEYS, ids=["newline", "zero-width", "non-ascii"])
def test_a_bad_key_stops_run_in_words_and_reaches_no_disk(tmp_path, simulator, images, bad):
    home = tmp_path / "home"
    options = ["--model", "wan2.2-i2v-plus", "--resolution", "480P"]
    submitted = cli(
        home, "--library", str(tmp_path / "v"), "submit", str(images[0]), *options, base_url=simulator.base_url
    )
    assert submitted.returncode == 0, submitted.stderr
    run = cli(home, "run", base_url=simulator.base_url, key=bad)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "DASHSCOPE_API_KEY" in run.stderr and "cannot be used" in run.stderr
    assert "456789abcdef" not in run.stderr + run.stdout
    rows = jobs_json(home, simulator.base_url)
    assert [row["state"] for row in rows] == ["queued"]  # not "Needs your decision": nothing was sent
    assert simulator.requests() == []
    for path in home.rglob("*"):
        if path.is_file():
            assert b"456789abcdef" not in path.read_bytes(), path


def test_key_set_refuses_a_bad_key_in_words(tmp_path):
    out = cli(tmp_path / "home", "key", "set", input="sk-test-0123\u200b456789abcdef\n", key="")
    assert out.returncode == 1 and "U+200B" in out.stderr and "Traceback" not in out.stderr
    assert "456789abcdef" not in out.stderr


# -- submit to a read-only or full library (issue 9, item 9) -----------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    from tests.disks import mount_tmpfs, unmount

    folder = tmp_path / "disk"
    mount_tmpfs(folder, "1m")
    yield folder
    unmount(folder)


def noise_image(path: Path, side: int = 900) -> Path:
    from PIL import Image

    Image.frombytes("RGB", (side, side), random.Random(7).randbytes(side * side * 3)).save(path)
    return path


def test_submit_to_a_read_only_library_says_so_in_words(tmp_path, small_disk, images):
    from tests.disks import remount

    remount(small_disk, "ro")
    out = cli(tmp_path / "home", "--library", str(small_disk), "submit", str(images[0]), key="")
    assert out.returncode == 1 and "[Errno" not in out.stderr and "Traceback" not in out.stderr
    assert f"The library folder {small_disk} cannot be written (read-only or no permission)" in out.stderr
    assert cli(tmp_path / "home", "jobs", "--json", key="").stdout.strip() == "[]"


def test_submit_to_a_full_library_says_so_in_words(tmp_path, small_disk):
    big = noise_image(tmp_path / "big.png")  # ~2.4 MB: more than the 1 MB disk holds
    out = cli(tmp_path / "home", "--library", str(small_disk), "submit", str(big), key="")
    assert out.returncode == 1 and "[Errno" not in out.stderr and "Traceback" not in out.stderr
    assert f"The disk holding {small_disk} is full. Free some space" in out.stderr


def test_a_read_only_home_says_so_in_words(tmp_path, small_disk, images):
    from tests.disks import remount

    remount(small_disk, "ro")
    out = cli(small_disk, "--library", str(tmp_path / "v"), "submit", str(images[0]), key="")
    assert out.returncode == 1 and "[Errno" not in out.stderr and "Traceback" not in out.stderr
    assert "cannot be written" in out.stderr or "read-only" in out.stderr


# -- silent inputs (issue 9, item 10) ---------------------------------------------------------------------------
def advisory_pictures(folder: Path) -> dict[str, Path]:
    from PIL import Image

    from tests.test_images import animated_webp, sixteen_bit_rgb_png

    folder.mkdir(parents=True, exist_ok=True)
    turned = Image.new("RGB", (480, 320), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    turned.save(folder / "turned.jpg", exif=exif.tobytes())
    Image.new("CMYK", (480, 320), (0, 50, 50, 0)).save(folder / "print.jpg")
    return {
        "EXIF": folder / "turned.jpg",
        "CMYK": folder / "print.jpg",
        "16 bits": sixteen_bit_rgb_png(folder / "deep.png", size=(480, 320)),
        "animated": animated_webp(folder / "moving.webp", size=(480, 320)),
    }


def test_submit_names_what_the_window_warns_about_and_refuses(tmp_path):
    for words, picture in advisory_pictures(tmp_path / "in").items():
        out = cli(tmp_path / "home", "--library", str(tmp_path / "v"), "submit", str(picture), key="")
        assert out.returncode == 64 and out.stdout == "", (words, out.stderr)
        assert picture.name in out.stderr and words in out.stderr and "--fix" in out.stderr
    assert cli(tmp_path / "home", "jobs", "--json", key="").stdout.strip() == "[]"


def test_submit_fix_writes_a_fixed_copy_and_says_what_changed(tmp_path):
    pictures = advisory_pictures(tmp_path / "in")
    originals = {path: path.read_bytes() for path in pictures.values()}
    home = tmp_path / "home"
    out = cli(home, "--library", str(tmp_path / "v"), "submit", *map(str, pictures.values()), "--fix", key="")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.split()) == 4
    changes = ["Applied the EXIF rotation", "Converted CMYK colours to RGB", "Reduced 16 bits per colour to 8"]
    for change in [*changes, "Used the first frame of the animation"]:
        assert change in out.stderr
    fixed = ["deep-fixed.png", "moving-fixed.webp", "print-fixed.jpg", "turned-fixed.jpg"]
    assert sorted(p.name for p in (home / "scratch").iterdir()) == fixed
    assert {path: path.read_bytes() for path in pictures.values()} == originals  # the originals are untouched


def test_file_urls_become_the_right_local_path(tmp_path):
    folder = tmp_path / "with space"
    folder.mkdir()
    picture = make_image(folder / "a b.png")
    url = picture.as_uri()
    assert "%20" in url
    home = tmp_path / "home"
    out = cli(home, "--library", str(tmp_path / "v"), "submit", url, "--model", "wan2.2-i2v-plus", key="")
    assert out.returncode == 0, out.stderr
    [row] = json.loads(cli(home, "jobs", "--json", key="").stdout)
    assert row["state"] == "queued"
    elsewhere = cli(home, "submit", "file://server/share/a.png", key="")
    assert elsewhere.returncode == 64 and "another computer (server)" in elsewhere.stderr
