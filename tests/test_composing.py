"""What the composer's choices become, without a window: seeds, variations, what each model takes, the
local check and the words around the batch (the cost line above all)."""

from __future__ import annotations

import itertools

import pytest

from wan_desktop.core import composing, cost
from wan_desktop.core.composing import Choices
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.errors import Problem
from wan_desktop.core.dashscope.requests import SEED_MAX
from wan_desktop.core.dashscope.types import ShotType

URLS = ("https://example.com/a.png", "https://example.com/b.png")


def scripted(*numbers: int):
    values = itertools.chain(numbers, itertools.count(1000))
    return lambda _bound: next(values)


def test_one_request_per_image_and_variation_in_order():
    choices = Choices("wan2.2-i2v-flash", first_frames=URLS, variations=3, prompt="  a fox  ")
    requests = composing.build_requests(choices)
    assert [r.first_frame for r in requests] == [URLS[0]] * 3 + [URLS[1]] * 3
    assert {r.prompt for r in requests} == {"a fox"}  # surrounding spaces are not sent
    assert choices.batch_size == 6


def test_no_image_still_makes_the_variations():
    requests = composing.build_requests(Choices("wan2.2-i2v-flash", variations=2))
    assert [r.first_frame for r in requests] == [None, None]


def test_random_seeds_are_distinct_within_a_batch_even_when_the_source_repeats():
    choices = Choices("wan2.2-i2v-flash", first_frames=URLS, variations=2)
    seeds = [r.seed for r in composing.build_requests(choices, scripted(7, 7, 8, 7, 9, 9, 10))]
    assert seeds == [7, 8, 9, 10]  # a repeated seed would pay for the same video twice


def test_a_fixed_seed_gives_each_variation_the_next_seed_and_wraps():
    fixed = dict(random_seed=False, seed=SEED_MAX - 1)
    choices = Choices("wan2.2-i2v-flash", first_frames=URLS, variations=3, **fixed)
    seeds = [r.seed for r in composing.build_requests(choices)]
    assert seeds == [SEED_MAX - 1, SEED_MAX, 0] * 2  # each image repeats the same three, so they compare


def test_only_what_the_model_takes_is_sent():
    everything = dict(
        last_frame="https://example.com/end.png",
        audio="https://example.com/song.mp3",
        first_clip="https://example.com/clip.mp4",
        template="squish",
        sound=False,
        shot_type=ShotType.MULTI,
    )
    silent = composing.request_for(Choices("wan2.2-i2v-flash", **everything), URLS[0], 1)
    assert (silent.last_frame, silent.audio, silent.first_clip, silent.template) == (None, None, None, None)
    assert silent.audio_enabled is None and silent.shot_type is None
    flash = composing.request_for(Choices("wan2.6-i2v-flash", **everything), URLS[0], 1)
    assert flash.audio_enabled is False and flash.audio == everything["audio"]
    assert flash.shot_type is ShotType.MULTI and flash.last_frame is None
    keyframes = composing.request_for(Choices("wanx2.1-kf2v-plus", **everything), URLS[0], 1)
    assert keyframes.last_frame == everything["last_frame"] and keyframes.template == "squish"
    clip = composing.request_for(Choices("wan2.7-i2v", **everything), None, 1)
    assert clip.first_clip == everything["first_clip"] and clip.audio == everything["audio"]


def test_shot_type_is_sent_only_with_prompt_rewriting_on():
    off = Choices("wan2.6-i2v-flash", prompt_extend=False, shot_type=ShotType.MULTI)
    assert composing.request_for(off, URLS[0], 1).shot_type is None


def test_the_check_names_each_problem_once_in_words():
    choices = Choices("wan2.6-i2v", first_frames=URLS, variations=2, duration=1)
    problems = composing.check_requests(composing.build_requests(choices), Region.SINGAPORE)
    assert len(problems) == 1 and problems[0].startswith("Duration: ") and "(you chose 1)" in problems[0]


def test_problem_text_hides_long_values():
    assert composing.problem_text(Problem("first_clip", "x" * 61, "a video")) == "Video clip: a video."
    assert composing.problem_text(Problem("odd_field", 3, "is wrong")) == "Odd field: is wrong (you chose 3)."


def test_the_cost_line_dates_prices_for_people():
    request = composing.request_for(Choices("wan2.6-i2v-flash", resolution="720P", duration=5), None, None)
    one = cost.estimate(request, Region.SINGAPORE)
    line = composing.cost_line(one, cost.total([one] * 2), 2)
    assert "US$0.25 per video" in line and "2 videos: US$0.50" in line
    assert "Prices as of November 2026." in line and "With sound." in line
    assert "contract" not in line and "2026-11" not in line  # issue 10, defect 5


@pytest.mark.parametrize(
    "note, words",
    [
        ("price as of 2027-02", "Prices as of February 2027."),
        ("price as of 2027-13", "Prices as published."),
        ("silent (cheaper)", "Silent (cheaper)."),
    ],
)
def test_each_note_becomes_a_sentence(note, words):
    one = cost.CostEstimate(0.5, cost.Currency.USD, 0.1, 5, note)
    assert composing.cost_line(one, one, 1).splitlines()[1] == f"{words} Only successful videos are charged."


def test_an_unknown_price_says_so():
    one = cost.CostEstimate(None, cost.Currency.USD, None, 5, cost.PRICE_UNKNOWN)
    expected = f"Estimated cost: {cost.PRICE_UNKNOWN} for this model and region."
    assert composing.cost_line(one, one, 3) == expected


def test_model_info_names_regions_and_the_lowest_price():
    flash = composing.MODELS["wan2.2-i2v-flash"]
    assert composing.model_info(flash, Region.BEIJING) == (
        "Offered in China (Beijing), Singapore. From CN¥0.10 per second of video."
    )
    assert composing.model_info(flash, Region.SINGAPORE).endswith("No USD price is known for it.")
