"""`wan-desktop models`, the media-array `submit` flags, and demo mode with every model."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TEST_KEY
from tests.engine_helpers import make_image
from tests.test_cli import cli
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.catalog import MODELS, Region
from wan_desktop.core.dashscope.client import DashScopeClient
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, TaskStatus
from wan_desktop.simulator.testing import wait_for


def test_models_lists_the_catalog_as_json_and_as_text(tmp_path):
    out = cli(tmp_path / "home", "models", "--json")
    assert out.returncode == 0, out.stderr
    rows = {row["name"]: row for row in json.loads(out.stdout)}
    assert set(rows) == set(MODELS)
    wan3 = rows["wan3.0-video"]
    assert wan3["status"] == "preview" and wan3["badge"] == "Newest" and "cn-hongkong" in wan3["regions"]
    assert {"text", "first+last frame", "references"} <= set(wan3["modes"])
    assert wan3["prices"]["ap-southeast-1/720P"] == "0.1 USD/s"
    text = cli(tmp_path / "home", "models").stdout
    assert "wan3.0-video" in text and "Wan 3.0 (Newest, preview)" in text


def test_a_bad_catalog_file_is_named_and_the_shipped_one_still_lists(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "models.json").write_text('{"schema": 1, "models": [{"key": "x"}]}')
    out = cli(home, "models", "--json")
    assert out.returncode == 0 and "models.json was refused: entry 'x'" in out.stderr
    assert len(json.loads(out.stdout)) == len(MODELS)


def test_submit_takes_references_ratio_auto_duration_and_a_workspace(tmp_path, simulator):
    home = tmp_path / "home"
    picture = make_image(tmp_path / "cat.png")
    out = cli(
        home,
        "submit",
        "--model",
        "wan3.0-video",
        "--prompt",
        "Image 1 waves",
        "--reference",
        str(picture),
        "--ratio",
        "9:16",
        "--duration",
        "auto",
        "--workspace",
        "ws-test1",
        base_url=simulator.base_url,
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(cli(home, "jobs", "--json", base_url=simulator.base_url).stdout)
    assert len(rows) == 1
    refused = cli(home, "submit", "--model", "wan2.6-i2v", str(picture), "--duration", "auto")
    assert refused.returncode == 64 and "cannot choose its own length" in refused.stderr
    mixed = cli(home, "submit", "--model", "wan3.0-video", str(picture), "--reference", str(picture))
    assert mixed.returncode == 64 and "does not mix" in mixed.stderr


def test_a_mistyped_workspace_says_where_to_find_it_and_a_good_one_is_remembered(tmp_path):
    from wan_desktop.core.settings import SettingsStore

    home = tmp_path / "home"
    ok = cli(
        home, "--region", "cn-hongkong", "submit", "--model", "wan3.0-video", "--prompt", "x", "--workspace", "ws-hk1"
    )
    assert ok.returncode == 0, ok.stderr
    assert SettingsStore(home).load().workspace_for(Region.HONG_KONG) == "ws-hk1"
    bad = cli(
        tmp_path / "home", "--region", "ap-southeast-1", "submit", "--model", "wan3.0-video", "--workspace", "Bad!"
    )
    assert bad.returncode != 0 and "Workspace ID" in bad.stderr


def test_demo_mode_makes_text_only_wan3_videos(tmp_path):
    home = tmp_path / "home"
    out = cli(home, "demo", "submit", "--model", "wan3.0-video", "--prompt", "a cat", "--resolution", "480P", key="")
    assert out.returncode == 0, out.stderr
    assert cli(home, "demo", "run", key="").returncode == 0
    rows = json.loads(cli(home, "demo", "jobs", "--json", key="").stdout)
    assert [row["state"] for row in rows] == ["done"]


def _minimal(spec) -> GenerationRequest:
    needs = spec.rules.one_of[0] if spec.rules.one_of else None
    frame = "https://e.com/a.png" if needs == "first_frame" else None
    refs = (MediaRef(needs, "https://e.com/in.mp4#seconds=4"),) if needs not in (None, "first_frame") else ()
    if needs == "reference_image":
        refs = (MediaRef(needs, "https://e.com/in.png"),)
    return GenerationRequest(
        model=spec.key,
        first_frame=frame,
        prompt="a cat",
        references=refs,
        resolution=spec.resolutions[0],
        duration=spec.durations[0] if spec.auto_duration != 0 else 0,
    )


@pytest.fixture
def unlimited(tmp_path):
    from wan_desktop.simulator.server import SimulatorServer

    with SimulatorServer(api_keys=[TEST_KEY], time_scale=0.002, data_dir=tmp_path / "sim", enforce_limits=False) as sim:
        yield sim


@pytest.mark.parametrize("key", list(MODELS))
def test_the_simulator_behind_demo_mode_makes_every_models_video(unlimited, key):
    simulator = unlimited
    spec = catalog.MODELS[key]
    client = DashScopeClient(TEST_KEY, ServiceEndpoint(simulator.base_url, Region.CUSTOM))
    try:
        created = client.create(client.prepare(_minimal(spec)))
        wait_for(lambda: client.get_task(created.task_id).status.is_terminal, timeout=60)
        assert client.get_task(created.task_id).status is TaskStatus.SUCCEEDED
    finally:
        client.close()


def test_submitting_wan3_without_a_workspace_says_where_to_find_it_and_queues_nothing(tmp_path):
    home = tmp_path / "home"
    out = cli(home, "--region", "ap-southeast-1", "submit", "--model", "wan3.0-video", "--prompt", "a cat")
    assert out.returncode == 64 and "Workspace ID" in out.stderr and "Settings" in out.stderr
    assert json.loads(cli(home, "jobs", "--json").stdout) == []
