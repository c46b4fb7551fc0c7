"""Retiring models: the date shows where the model is chosen, and a job whose model the service no longer
knows fails at once with a sentence naming a successor, never retried."""

from __future__ import annotations

import json

import pytest

from tests.fake_service import Fault
from tests.test_engine_unit import Bench, state_of
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.errors import InvalidRequestError
from wan_desktop.core.jobs import JobState


@pytest.fixture
def retiring(tmp_path):
    """wan2.2-i2v-flash marked retiring (by the person's own catalog file), successor Wan 3.0."""
    shipped = json.loads((catalog.Path(catalog.__file__).parents[2] / "resources" / "models.json").read_text())
    entry = next(m for m in shipped["models"] if m["key"] == "wan2.2-i2v-flash")
    entry["status"] = {"state": "retiring", "retires_on": "2027-01-15", "successor": "wan3.0-video"}
    home = tmp_path / "home-catalog"
    home.mkdir()
    (home / "models.json").write_text(json.dumps({"schema": 1, "models": [entry]}))
    assert catalog.use_home(home) == ""
    yield catalog.MODELS["wan2.2-i2v-flash"]
    catalog.use_home(tmp_path / "none")


def test_the_retirement_date_and_successor_are_in_words(retiring):
    assert catalog.retirement_words(retiring) == "Retires 15 Jan 2027; use Wan 3.0 instead"
    assert catalog.retirement_words(catalog.MODELS["wan3.0-video"]) == ""


@pytest.mark.parametrize(
    "error",
    [
        InvalidRequestError("Model not exist.", code="InvalidParameter", http_status=400),
        InvalidRequestError("Model can not be found.", code="ModelNotFound", http_status=404),
    ],
)
def test_a_job_whose_model_is_gone_fails_once_naming_the_successor(tmp_path, retiring, error):
    bench = Bench(tmp_path)
    try:
        bench.service.script("create", Fault(error), Fault(error))
        (job,) = bench.add(model="wan2.2-i2v-flash", resolution="720P")
        bench.run()
        failed = bench.job(job.id)
        assert state_of(bench, job) is JobState.FAILED
        assert bench.service.count("create") == 1  # never retried
        assert "no longer offers Wan 2.2 Flash" in failed.error_message
        assert "15 Jan 2027" in failed.error_message and "Wan 3.0 (wan3.0-video)" in failed.error_message
    finally:
        bench.close()


def test_without_a_named_successor_the_newest_model_is_offered():
    sentence = catalog.gone_sentence("wan2.6-i2v")
    assert "Wan 3.0 (wan3.0-video)" in sentence and "nothing was charged" in sentence


def test_the_billed_figure_counts_input_clips_where_the_model_bills_them():
    from wan_desktop.core import cost
    from wan_desktop.core.dashscope.types import TaskUsage

    usage = TaskUsage(output_seconds=5.0, input_video_seconds=4.0)
    assert cost.billed_seconds("wan2.7-r2v", usage) == 9.0
    assert cost.billed_seconds("wan3.0-video", usage) == 5.0  # estimate on output (contract 12.1.8)
    assert cost.billed_seconds("wan2.7-r2v", None) is None


def test_the_model_list_and_the_composer_show_the_retirement(retiring):
    from wan_desktop.core import composing
    from wan_desktop.core.dashscope.catalog import Region

    assert "(retires 15 Jan 2027; use Wan 3.0 instead)" in composing.model_title(retiring)
    assert "Retires 15 Jan 2027; use Wan 3.0 instead." in composing.model_info(retiring, Region.BEIJING)
