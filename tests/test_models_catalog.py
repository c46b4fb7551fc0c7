"""The catalog as data: the shipped file loads through the one schema reader, an override file in the data
folder merges in, and a bad one is refused in a sentence naming file, entry and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.catalog_schema import CatalogError, parse_catalog
from wan_desktop.core.dashscope.specs import Region, Status

SHIPPED = Path(catalog.__file__).parents[2] / "resources" / "models.json"
OLD_ELEVEN = (
    "wan2.7-i2v",
    "wan2.6-i2v",
    "wan2.6-i2v-flash",
    "wan2.6-i2v-us",
    "wan2.5-i2v-preview",
    "wan2.2-i2v-plus",
    "wan2.2-i2v-flash",
    "wanx2.1-i2v-plus",
    "wanx2.1-i2v-turbo",
    "wanx2.1-kf2v-plus",
    "wan2.2-kf2v-flash",
)


@pytest.fixture(autouse=True)
def shipped_catalog_after(tmp_path):
    yield
    catalog.use_home(tmp_path / "nothing-here")  # back to the shipped catalog for the next test


def entry(**changes):
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    model = next(m for m in data["models"] if m["key"] == "wan3.0-video")
    return model | changes


def test_every_model_of_the_issue_is_in_the_shipped_catalog():
    for key in (*OLD_ELEVEN, "wan3.0-video", "wan3.0-video-prime", "wan2.7-r2v", "wan2.7-videoedit", "wan2.7-t2v"):
        assert key in catalog.MODELS
    assert catalog.find_model("wan2.7-i2v-2026-04-25") is catalog.MODELS["wan2.7-i2v"]


def test_newest_comes_from_the_data_and_only_wan3_carries_it():
    badges = {key: spec.badge for key, spec in catalog.MODELS.items() if spec.badge}
    assert badges.get("wan3.0-video") == "Newest"
    assert "Newest" not in catalog.MODELS["wan2.7-i2v"].description
    assert list(badges.values()).count("Newest") == 1


def test_wan3_declares_its_roles_groups_limits_and_parameters():
    spec = catalog.MODELS["wan3.0-video"]
    assert {r: spec.roles[r].max_count for r in spec.roles} == {
        "first_frame": 1,
        "last_frame": 1,
        "reference_image": 10,
        "reference_video": 5,
        "reference_audio": 5,
    }
    assert spec.rules.total_seconds == {"reference_video": 15, "reference_audio": 15}
    assert spec.auto_duration == -1 and spec.durations == tuple(range(2, 31)) and spec.fps == 30
    assert spec.default_ratio == "adaptive" and "9:16" in spec.ratios
    assert spec.status.state is Status.PREVIEW and spec.workspace_host_only and spec.thinking
    assert spec.price_per_second("720P", catalog.Currency.USD, region=Region.SINGAPORE).per_second == 0.10


def test_a_person_can_add_and_override_models(tmp_path):
    added = entry(key="wan3.1-video", label="Wan 3.1", regions={"cn-beijing": "wan3.1-video"})
    changed = entry(label="Wan 3.0 (mine)")
    (tmp_path / "models.json").write_text(json.dumps({"schema": 1, "models": [added, changed]}))
    assert catalog.use_home(tmp_path) == ""
    assert catalog.MODELS["wan3.1-video"].label == "Wan 3.1"
    assert catalog.find_model("wan3.1-video") is catalog.MODELS["wan3.1-video"]
    assert catalog.MODELS["wan3.0-video"].label == "Wan 3.0 (mine)"
    assert "wan2.2-i2v-flash" in catalog.MODELS  # shipped models stay


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"roles": {"first_frame": {"max": 0}}}, "roles.first_frame.max"),
        ({"roles": {"elbow": {"max": 1}}}, "roles.elbow"),
        ({"regions": {"mars-1": "wan3.0-video"}}, "regions"),
        ({"status": {"state": "retiring"}}, "status.retires_on"),
        ({"prices": {"cn-beijing": {"currency": "CNY", "valid_from": "soon", "per_second": {}}}}, "valid_from"),
        ({"parameters": {"resolutions": ["4K"]}}, "parameters.resolutions"),
    ],
)
def test_a_bad_override_is_refused_naming_file_entry_and_field_and_the_shipped_catalog_stays(tmp_path, changes, field):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"schema": 1, "models": [entry(label="Broken", **changes)]}))
    refusal = catalog.use_home(tmp_path)
    assert str(path) in refusal and "'wan3.0-video'" in refusal and field in refusal
    assert catalog.MODELS["wan3.0-video"].label == "Wan 3.0"


def test_a_file_that_is_not_json_is_refused_with_its_line(tmp_path):
    (tmp_path / "models.json").write_text('{"schema": 1,\n "models": [}')
    refusal = catalog.use_home(tmp_path)
    assert "not JSON (line 2" in refusal and len(catalog.MODELS) >= 16


def test_the_schema_reader_refuses_a_duplicate_and_a_wrong_version():
    with pytest.raises(CatalogError, match="appears twice"):
        parse_catalog("x.json", {"schema": 1, "models": [entry(), entry()]})
    with pytest.raises(CatalogError, match='"schema": 1'):
        parse_catalog("x.json", {"schema": 2, "models": []})


def test_hong_kong_is_a_region_and_every_region_has_a_workspace_host():
    info = catalog.REGIONS[Region.HONG_KONG]
    assert info.base_url() == "https://cn-hongkong.dashscope.aliyuncs.com/api/v1"
    assert info.base_url("ws-7") == "https://ws-7.cn-hongkong.maas.aliyuncs.com/api/v1"
    for region in (Region.BEIJING, Region.SINGAPORE, Region.VIRGINIA, Region.FRANKFURT, Region.HONG_KONG):
        assert "{workspace}" in catalog.REGIONS[region].workspace_template
    assert catalog.REGIONS[Region.FRANKFURT].needs_workspace and not catalog.REGIONS[Region.BEIJING].needs_workspace


def test_workspaces_are_kept_per_region_and_a_bad_one_in_the_file_is_reset(tmp_path):
    from wan_desktop.core.settings import Settings, SettingsStore

    store = SettingsStore(tmp_path)
    store.save(Settings().with_workspace(Region.HONG_KONG, "ws-hk1").with_workspace(Region.FRANKFURT, "ws-de1"))
    loaded = store.load()
    assert loaded.workspace_for(Region.HONG_KONG) == "ws-hk1" and loaded.workspace_for(Region.FRANKFURT) == "ws-de1"
    assert loaded.workspace_for(Region.BEIJING) == ""
    data = json.loads(store.path.read_text())
    data["workspaces"] = {"cn-hongkong": "evil.example.com/"}
    store.path.write_text(json.dumps(data))
    assert store.load().workspace_for(Region.HONG_KONG) == "" and "workspaces" in store.problem


def test_wan3_without_a_workspace_host_is_refused_before_any_request(tmp_path):
    from wan_desktop.core.dashscope.client import DashScopeClient
    from wan_desktop.core.dashscope.errors import LocalValidationError
    from wan_desktop.core.dashscope.regions import ServiceEndpoint
    from wan_desktop.core.dashscope.types import GenerationRequest

    request = GenerationRequest(model="wan3.0-video", prompt="a cat")
    shared = DashScopeClient("sk-test", ServiceEndpoint.for_region(Region.SINGAPORE))
    try:
        with pytest.raises(LocalValidationError, match="Workspace ID"):
            shared.prepare(request)  # no network: prepare refuses before uploading or creating
    finally:
        shared.close()
    own = DashScopeClient("sk-test", ServiceEndpoint.for_region(Region.SINGAPORE, workspace="ws-sg1"))
    try:
        assert "wan3.0-video" in own.prepare(request).body_json
    finally:
        own.close()


def test_a_request_with_references_ratio_and_smart_duration_round_trips_and_bad_ones_are_named():
    from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef
    from wan_desktop.core.job_codec import CodecError, request_from_dict, request_to_dict

    request = GenerationRequest(
        model="wan2.7-r2v",
        prompt="x",
        references=(
            MediaRef("reference_image", "/tmp/a.png", voice="/tmp/v.mp3"),
            MediaRef("reference_video", "oss://b"),
        ),
        ratio="9:16",
        duration=-1,
        enable_thinking=True,
    )
    data = json.loads(json.dumps(request_to_dict(request)))
    assert request_from_dict(data) == request
    old_row = {k: v for k, v in data.items() if k not in ("references", "ratio", "enable_thinking")}
    assert request_from_dict(old_row).references == ()  # rows written before issue 11 still read
    with pytest.raises(CodecError, match=r"references\.0"):
        request_from_dict(data | {"references": [{"role": "reference_image", "reference": 7}]})


def test_the_price_file_for_the_money_side_agrees_with_the_catalog():
    """core/dashscope/prices.json is in the format money's core/pricing.py reads (its docstring); every row
    must be the catalog's own figure, so the two cannot drift."""
    path = Path(catalog.__file__).parent / "prices.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 1 and data["prices"]
    for row in data["prices"]:
        spec = catalog.MODELS[row["model"]]
        region = Region(row["region"])
        price = spec.price_per_second(row["resolution"], catalog.Currency(row["currency"]), row["audio"], region)
        assert price is not None and price.per_second == row["per_second"] and price.as_of == row["valid_from"]
        assert catalog.REGIONS[region].currency.value == row["currency"]
        assert ("input_per_second" in row) is spec.bills_input_video
