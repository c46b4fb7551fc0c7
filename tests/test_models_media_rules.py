"""The local side of the one table of media cases, and what a media-array request body looks like."""

from __future__ import annotations

import json

import pytest

from tests.media_cases import CASES, Case
from wan_desktop.core.dashscope.catalog import MODELS, Region, ratio_size
from wan_desktop.core.dashscope.media_rules import MediaItem, check_media
from wan_desktop.core.dashscope.requests import build_body
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef
from wan_desktop.core.request_checks import validate_request


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_local_verdict_matches_the_table(case: Case):
    spec = MODELS[case.model]
    items = [MediaItem(role, seconds) for role, seconds in case.media]
    breaks = check_media(spec, items, case.duration, case.prompt)
    assert (breaks[0].rule if breaks else None) == case.verdict, breaks
    for rule in breaks:
        assert rule.sentence.endswith(".") and rule.sentence[0].isupper() and len(rule.sentence) > 25


def test_mixing_frames_and_references_is_refused_in_a_sentence_before_sending():
    request = GenerationRequest(
        model="wan3.0-video",
        prompt="x",
        first_frame="https://e.com/a.png",
        references=(MediaRef("reference_image", "https://e.com/b.png"),),
    )
    [problem] = validate_request(request, Region.SINGAPORE)
    assert "does not mix a first-frame image with a reference image" in problem.allowed


def test_wan3_first_and_last_frame_body_is_the_media_array_the_sdk_sends():
    request = GenerationRequest(
        model="wan3.0-video",
        prompt="a cat",
        first_frame="https://e.com/a.png",
        last_frame="https://e.com/b.png",
        duration=-1,
        ratio="9:16",
        audio_enabled=False,
        enable_thinking=True,
    )
    assert validate_request(request, Region.BEIJING) == []
    body = json.loads(build_body(request, Region.BEIJING, {}).body_json)
    assert body["input"]["media"] == [
        {"type": "first_frame", "url": "https://e.com/a.png"},
        {"type": "last_frame", "url": "https://e.com/b.png"},
    ]
    assert body["parameters"] | {} == body["parameters"]
    assert {k: body["parameters"][k] for k in ("duration", "ratio", "audio", "enable_thinking")} == {
        "duration": -1,
        "ratio": "9:16",
        "audio": False,
        "enable_thinking": True,
    }


def test_references_keep_their_order_and_r2v_voices_travel_with_their_item():
    request = GenerationRequest(
        model="wan2.7-r2v",
        prompt="character1 sings",
        references=(
            MediaRef("reference_video", "https://e.com/v.mp4"),
            MediaRef("reference_image", "https://e.com/i.png", voice="https://e.com/voice.mp3"),
        ),
    )
    assert validate_request(request, Region.SINGAPORE) == []
    media = json.loads(build_body(request, Region.SINGAPORE, {}).body_json)["input"]["media"]
    assert media == [
        {"type": "reference_video", "url": "https://e.com/v.mp4"},
        {"type": "reference_image", "url": "https://e.com/i.png", "reference_voice": "https://e.com/voice.mp3"},
    ]


def test_a_voice_on_a_wan3_reference_and_an_unknown_ratio_are_refused():
    request = GenerationRequest(
        model="wan3.0-video",
        prompt="x",
        ratio="2:1",
        references=(MediaRef("reference_image", "https://e.com/i.png", voice="https://e.com/v.mp3"),),
    )
    fields = {p.field for p in validate_request(request, Region.SINGAPORE)}
    assert fields == {"ratio", "reference_image"}


def test_smart_duration_and_ratios_are_offered_only_where_the_catalog_says():
    assert validate_request(GenerationRequest(model="wan3.0-video", prompt="x", duration=-1), Region.BEIJING) == []
    [problem] = validate_request(
        GenerationRequest(model="wan2.6-i2v", first_frame="https://e/a.png", ratio="16:9"), Region.BEIJING
    )
    assert problem.field == "ratio" and "no ratio option" in problem.allowed
    assert ratio_size("1080P", "16:9") == (1920, 1080) and ratio_size("720P", "3:4") == (832, 1104)
