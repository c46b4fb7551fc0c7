"""Fuzzing the sidecar reader (issue 9, "Proof"): whatever JSON (or not-JSON) a note holds, reading it either
gives a finished job whose paths stay inside the library, or raises the reader's own SidecarError; never
another exception, never a job that could be sent, and the job it gives can always be journaled."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wan_desktop.core.dashscope.types import is_remote
from wan_desktop.core.job_codec import job_to_dict
from wan_desktop.core.jobs import FINAL_STATES, JobState
from wan_desktop.core.library import Library, SidecarError
from wan_desktop.core.store import JobStore

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
NAME = "2026-11-26_14-03-22_a-fox_ab12cd34.json"

odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "..",
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "\x00",
            "\ud800",
            "C:\\x",
            ".wan-desktop/inputs/a.png",
            "https://e.invalid/a.png",
            "file:///etc/passwd",
            "x" * 5000,
            "done",
            "queued",
            "2026-11-26T14:03:22+00:00",
            "0001-01-01T00:00:00+14:00",
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    odd_text,
    st.floats(allow_nan=True, allow_infinity=True),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)),
    max_leaves=20,
)

STATES = [state.value for state in JobState]
good_job = {
    "id": "job-1",
    "state": "done",
    "region": "ap-southeast-1",
    "created_at": "2026-11-26T14:03:22+00:00",
    "updated_at": "2026-11-26T14:03:22+00:00",
    "request": {"model": "wan2.6-i2v-flash", "prompt": "a fox", "first_frame": ".wan-desktop/inputs/a.png"},
}
JOB_FIELDS = [
    "id",
    "state",
    "region",
    "created_at",
    "updated_at",
    "task_id",
    "request_ids",
    "video_url",
    "usage",
    "cost",
    "video_path",
    "thumbnail_path",
    "sidecar_path",
    "bytes_downloaded",
    "bytes_total",
    "attempts",
    "favourite",
    "parent_job_id",
    "kept",
    "finished_at",
]
REQUEST_FIELDS = [
    "model",
    "prompt",
    "first_frame",
    "last_frame",
    "audio",
    "first_clip",
    "duration",
    "seed",
    "prompt_extend",
    "shot_type",
    "resolution",
]


@st.composite
def mutated_notes(draw):
    """A real note with some fields replaced by anything: reaches the checks behind the envelope."""
    job = json.loads(json.dumps(good_job))
    for name in draw(st.lists(st.sampled_from(JOB_FIELDS), max_size=4, unique=True)):
        job[name] = draw(st.one_of(values, st.sampled_from(STATES)))
    for name in draw(st.lists(st.sampled_from(REQUEST_FIELDS), max_size=3, unique=True)):
        job["request"][name] = draw(values)
    if draw(st.booleans()):
        job = draw(st.sampled_from([job, [job], None, "job"]))
    version = draw(st.one_of(st.just(1), values))
    return {
        "format": draw(st.sampled_from(["wan-desktop-job", "wan-desktop-job", None, 1])),
        "version": version,
        "job": job,
    }


def nested(depth: int) -> str:
    return '{"format": "wan-desktop-job", "version": 1, "job": ' + "[" * depth + "]" * depth + "}"


raw_texts = st.one_of(
    st.builds(nested, st.integers(min_value=0, max_value=50_000)),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda data: data.decode("latin-1")),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    library = Library(root / "lib")
    library.inputs_dir.mkdir(parents=True)
    (library.inputs_dir / "a.png").write_bytes(b"png")
    outside = root / "outside.mp4"
    outside.write_bytes(b"precious")
    store = JobStore(root / "jobs.sqlite3")
    yield library, outside, store
    store.close()


def check_read(world, text: str) -> None:
    library, outside, store = world
    path = library.root / NAME
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        job = library.read_sidecar(path)
    except SidecarError as error:
        assert str(error) and path.name in str(error)
        return
    assert job.state in FINAL_STATES
    for name in ("video_path", "thumbnail_path", "sidecar_path"):
        recorded = getattr(job, name)
        assert recorded is None or library.is_inside(recorded), (name, recorded)
    for ref in job.request.media_references().values():
        assert is_remote(ref) or library.is_inside(ref, within=library.inputs_dir), ref
    assert job.cost is None or math.isfinite(job.cost)
    store.save(job)  # what rebuild does next must not fail either
    assert store.get(job.id) == job
    json.dumps(job_to_dict(job), allow_nan=False)
    assert outside.read_bytes() == b"precious"


@FUZZ
@given(data=st.one_of(values, mutated_notes()))
def test_any_json_gives_a_finished_confined_job_or_the_readers_error(world, data):
    check_read(world, json.dumps(data))


@FUZZ
@given(text=raw_texts)
def test_any_text_gives_a_finished_confined_job_or_the_readers_error(world, text):
    check_read(world, text)


def test_the_fuzz_reaches_valid_notes(world):
    """The properties above are not vacuous: a good note is read, a queued one refused."""
    library = world[0]
    check_read(world, json.dumps({"format": "wan-desktop-job", "version": 1, "job": good_job}))
    assert library.read_sidecar(library.root / NAME).id == "job-1"
    queued = {"format": "wan-desktop-job", "version": 1, "job": good_job | {"state": "queued"}}
    (library.root / NAME).write_text(json.dumps(queued))
    with pytest.raises(SidecarError, match="not finished"):
        library.read_sidecar(library.root / NAME)
