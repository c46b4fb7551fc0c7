"""`wan-desktop demo storyboard ...` in subprocesses: a three-shot film (hard cut, last-frame continue, clip
continue with wan2.7) renders and exports; a kill mid-render carries on with exactly one task per shot; a
rebuild brings the storyboard back; bad joins are refused in words."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.conftest import TEST_KEY
from tests.storyboard_helpers import patterned_image


def cli(home: Path, *args: str, timeout: float = 240):
    env = dict(os.environ, WAN_DESKTOP_HOME=str(home), DASHSCOPE_API_KEY="")
    return subprocess.run(
        [sys.executable, "-m", "wan_desktop", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def ok(home: Path, *args: str):
    out = cli(home, "demo", "storyboard", *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def film(tmp_path):
    home = tmp_path / "home"
    picture = patterned_image(tmp_path / "fox.png")
    ok(home, "new", "Fox film")
    ok(home, "add", "Fox film", "--prompt", "a fox", "--image", str(picture), "--resolution", "480P")
    ok(home, "add", "Fox film", "--prompt", "the fox runs", "--resolution", "480P")
    ok(
        home,
        "add",
        "Fox film",
        "--prompt",
        "it jumps",
        "--continue",
        "--model",
        "wan2.7-i2v",
        "--resolution",
        "720P",
        "--duration",
        "7",
    )
    return home


def show(home: Path) -> dict:
    return json.loads(ok(home, "show", "Fox film", "--json"))


def test_a_three_shot_film_renders_and_exports(film, tmp_path):
    out = ok(film, "render", "Fox film", "--yes", "--run", "--quiet")
    assert "This renders 3 shots" in out and "the film will be about 17 s long" in out
    rows = show(film)["shots"]
    assert [row["state"] for row in rows] == ["done"] * 3 and [len(row["takes"]) for row in rows] == [1, 1, 1]
    assert [row["join"] for row in rows] == ["cut", "last_frame", "clip"]
    export = ok(film, "export", "Fox film", str(tmp_path / "film.mp4"), "--otio", str(tmp_path / "film.otio"))
    assert "re-encoded at 832x480" in export  # the wan2.7 shot comes out at 720P
    library = film / "demo" / "library"
    takes = [json.loads(p.read_text())["job"] for p in sorted(library.glob("*.json"))]
    takes.sort(key=lambda job: job["created_at"])
    frames = seconds = 0
    for job in takes:
        with av.open(str(library / job["video_path"])) as container:
            frames += sum(1 for _ in container.decode(video=0))
            seconds += float(container.duration / av.time_base)
    with av.open(str(tmp_path / "film.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == frames == 30 * 17
        assert float(container.duration / av.time_base) == pytest.approx(seconds, abs=0.1)
        chapters = container.chapters()
        assert [c["metadata"]["title"] for c in chapters] == [
            "Shot 1: a fox",
            "Shot 2: the fox runs",
            "Shot 3: it jumps",
        ]
        metadata = json.loads(container.metadata["comment"])
    assert [row["task_id"] for row in metadata] == [row["task_id"] for row in show(film)["shots"]]
    note = json.loads(next((library / "storyboards").glob("*.storyboard.json")).read_text())
    assert [row["task_id"] for row in note["shots"]] == [row["task_id"] for row in metadata]
    # the database lost: the rebuild brings the jobs and the storyboard back
    for name in ("jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm"):
        (film / "demo" / name).unlink(missing_ok=True)
    rebuilt = cli(film, "demo", "library", "rebuild")
    assert rebuilt.returncode == 0 and "Restored 1 storyboard: Fox film." in rebuilt.stdout, rebuilt.stderr
    assert [row["state"] for row in show(film)["shots"]] == ["done"] * 3


def test_a_kill_mid_render_carries_on_with_one_task_per_shot(tmp_path, simulator):
    """Against a simulator that outlives the killed process (the demo's own dies with it)."""
    home = tmp_path / "real"
    env = dict(os.environ, WAN_DESKTOP_HOME=str(home), DASHSCOPE_API_KEY=TEST_KEY)
    base = [
        sys.executable,
        "-m",
        "wan_desktop",
        "--library",
        str(tmp_path / "videos"),
        "--base-url",
        simulator.base_url,
    ]

    def run(*args: str) -> str:
        out = subprocess.run([*base, *args], env=env, capture_output=True, text=True, timeout=240)
        assert out.returncode == 0, out.stderr
        return out.stdout

    picture = patterned_image(tmp_path / "fox.png")
    run("storyboard", "new", "Fox film")
    run("storyboard", "add", "Fox film", "--prompt", "a fox", "--image", str(picture), "--resolution", "480P")
    run("storyboard", "add", "Fox film", "--prompt", "the fox runs", "--resolution", "480P")
    clip = ("--continue", "--model", "wan2.7-i2v", "--resolution", "720P", "--duration", "7")
    run("storyboard", "add", "Fox film", "--prompt", "it jumps", *clip)
    command = [*base, "storyboard", "render", "Fox film", "--yes", "--run"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    seen: set[str] = set()
    for line in process.stderr:  # killed once the second shot's job has gone out: mid-way through the film
        seen.add(line.split(":")[0])
        if len(seen) >= 2 and "Waiting on the service" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    rows = json.loads(run("storyboard", "show", "Fox film", "--json"))["shots"]
    assert [row["state"] for row in rows] != ["done"] * 3, "the kill came too late to prove anything"
    run("run", "--quiet")  # the plain queue runner carries the storyboard on to its end
    rows = json.loads(run("storyboard", "show", "Fox film", "--json"))["shots"]
    assert [row["state"] for row in rows] == ["done"] * 3 and [len(row["takes"]) for row in rows] == [1, 1, 1]
    tasks = simulator.tasks()
    assert sorted(t["id"] for t in tasks) == sorted(row["task_id"] for row in rows)
    assert all(task["create_request_count"] == 1 for task in tasks)


def test_a_join_the_model_cannot_do_is_refused_in_words(film):
    out = cli(
        film, "demo", "storyboard", "add", "Fox film", "--prompt", "x", "--continue", "--model", "wan2.2-i2v-flash"
    )
    assert out.returncode == 64
    assert "Wan 2.2 Flash cannot do a shot that continues the clip" in out.stderr and "Traceback" not in out.stderr
    asked = cli(film, "demo", "storyboard", "render", "Fox film")  # no terminal to ask, and no --yes
    assert asked.returncode == 64 and "nothing was queued" in asked.stderr and "This renders 3 shots" in asked.stdout
    assert json.loads(cli(film, "demo", "jobs", "--json").stdout) == []
    out = cli(film, "demo", "storyboard", "export", "Fox film", str(film / "x.mp4"))
    assert out.returncode == 1 and "Shot 1 (a fox) has no video to export yet." in out.stderr


def test_writing_actions_wait_for_the_home_and_reading_ones_do_not(film):
    from wan_desktop.core.home_lock import HomeLock

    with HomeLock.acquire(film / "demo", "Wan Desktop window"):
        busy = cli(film, "demo", "storyboard", "new", "Another")
        assert busy.returncode == 3 and "Wan Desktop window" in busy.stderr
        assert cli(film, "demo", "storyboard", "list").returncode == 0
