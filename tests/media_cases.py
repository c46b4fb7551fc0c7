"""ONE table of media combinations with the verdict the service gives, read by the local validator's tests
(tests/test_models_media_rules.py) and by the simulator's (tests/test_models_simulator.py), so the two can
never disagree. A verdict is None (taken) or the rule name that refuses it; ``modes_exclusive`` is the one
the service answers with a FAILED task rather than a 400 (contract 12.1.10)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    media: tuple[tuple[str, float | None], ...]  # (role, seconds of a clip or audio, else None)
    verdict: str | None
    duration: int = 5
    prompt: str = "Image 1 walks into Video 1"


def _m(*items):
    return tuple((item, None) if isinstance(item, str) else item for item in items)


CASES = (
    Case("wan3 text only", "wan3.0-video", (), None),
    Case("wan3 first frame", "wan3.0-video", _m("first_frame"), None),
    Case("wan3 first and last frame", "wan3.0-video", _m("first_frame", "last_frame"), None, duration=-1),
    Case("wan3 last frame alone", "wan3.0-video", _m("last_frame"), "requires"),
    Case("wan3 two first frames", "wan3.0-video", _m("first_frame", "first_frame"), "too_many"),
    Case(
        "wan3 references mixed",
        "wan3.0-video-prime",
        _m("reference_image", "reference_image", ("reference_video", 6.0), ("reference_audio", 4.0)),
        None,
    ),
    Case("wan3 eleven images", "wan3.0-video", _m(*["reference_image"] * 11), "too_many"),
    Case("wan3 frame with a reference", "wan3.0-video", _m("first_frame", "reference_image"), "modes_exclusive"),
    Case(
        "wan3 last frame with audio",
        "wan3.0-video-prime",
        _m("first_frame", "last_frame", ("reference_audio", 3.0)),
        "modes_exclusive",
    ),
    Case(
        "wan3 clips over 15 s together",
        "wan3.0-video",
        _m(("reference_video", 9.0), ("reference_video", 8.0)),
        "total_seconds",
    ),
    Case(
        "wan3 audio over 15 s together",
        "wan3.0-video",
        _m("reference_image", ("reference_audio", 10.0), ("reference_audio", 6.0)),
        "total_seconds",
    ),
    Case("wan3 a clip of 20 s", "wan3.0-video", _m(("reference_video", 20.0)), "item_seconds"),
    Case(
        "wan3 clips and output over 30 s",
        "wan3.0-video",
        _m(("reference_video", 12.0)),
        "input_plus_output",
        duration=20,
    ),
    Case("wan3 a video to edit is not a wan3 role", "wan3.0-video", _m(("video", 5.0)), "unknown_role"),
    Case("r2v one image", "wan2.7-r2v", _m("reference_image"), None),
    Case("r2v needs a reference", "wan2.7-r2v", (), "needs_one_of"),
    Case(
        "r2v six references", "wan2.7-r2v", _m(*["reference_image"] * 3, *[("reference_video", 3.0)] * 3), "max_total"
    ),
    Case("r2v clip caps the length at 10", "wan2.7-r2v", _m(("reference_video", 4.0)), "duration_with", duration=12),
    Case("videoedit a clip", "wan2.7-videoedit", _m(("video", 6.0), "reference_image"), None, duration=0),
    Case("videoedit without a clip", "wan2.7-videoedit", _m("reference_image"), "too_few"),
    Case("videoedit five pictures", "wan2.7-videoedit", _m(("video", 6.0), *["reference_image"] * 5), "too_many"),
    Case("t2v text", "wan2.7-t2v", (), None),
    Case("t2v takes no picture", "wan2.7-t2v", _m("first_frame"), "unknown_role"),
    Case("t2v needs a prompt", "wan2.7-t2v", (), "prompt_required", prompt=""),
)
