"""What the composer's choices become: the GenerationRequests of one batch, their check, and the words around
them (the cost line, the model's regions and price, a problem as a sentence).

No Qt here: the composer reads its widgets into ``Choices`` and asks this module, so the rules about seeds,
variations and what each model takes are tested without a window.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wan_desktop.core import cost
from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, AudioMode, ModelSpec, Region, retirement_words
from wan_desktop.core.dashscope.errors import Problem
from wan_desktop.core.dashscope.requests import SEED_MAX
from wan_desktop.core.dashscope.specs import Status
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, ShotType
from wan_desktop.core.request_checks import validate_request

MAX_VARIATIONS = 4
_FIELD_WORDS = {
    "model": "Model",
    "resolution": "Resolution",
    "duration": "Duration",
    "prompt": "Prompt",
    "negative_prompt": "Negative prompt",
    "seed": "Seed",
    "shot_type": "Shot type",
    "audio_enabled": "Sound",
    "template": "Effect",
    "audio": "Audio",
    "last_frame": "Last frame",
    "first_frame": "First frame",
    "first_clip": "Video clip",
    "media": "Inputs",
}
_MONTHS = "January February March April May June July August September October November December".split()
_AS_OF = re.compile(r"^price as of (\d{4})-(\d{2})\b")

RandomBelow = Callable[[int], int]  # secrets.randbelow, or a scripted one in tests


@dataclass(frozen=True)
class Choices:
    """Everything the person chose in the composer, as plain values."""

    model: str
    first_frames: tuple[str, ...] = ()  # none: one request without a first frame
    last_frame: str | None = None
    prompt: str = ""
    negative_prompt: str = ""
    audio: str | None = None
    first_clip: str | None = None
    resolution: str | None = None
    duration: int | None = None
    random_seed: bool = True
    seed: int = 0  # the fixed seed when ``random_seed`` is off; variations take the next ones
    variations: int = 1
    prompt_extend: bool = True
    watermark: bool = False
    sound: bool = True
    shot_type: ShotType | None = None
    template: str | None = None
    references: tuple[MediaRef, ...] = ()
    ratio: str | None = None

    @property
    def spec(self) -> ModelSpec:
        return MODELS[self.model]

    @property
    def batch_size(self) -> int:
        return max(1, len(self.first_frames)) * self.variations


def takes_audio(spec: ModelSpec) -> bool:
    return spec.audio_mode is AudioMode.DRIVING or spec.accepts_audio_url


def request_for(choices: Choices, first_frame: str | None, seed: int | None) -> GenerationRequest:
    """One request: only what the chosen model takes is sent; the rest of the form is left out."""
    spec = choices.spec
    return GenerationRequest(
        model=spec.key,
        first_frame=first_frame,
        prompt=choices.prompt.strip(),
        negative_prompt=choices.negative_prompt.strip(),
        last_frame=choices.last_frame if spec.takes_last_frame else None,
        audio=choices.audio if takes_audio(spec) else None,
        first_clip=choices.first_clip if spec.takes_first_clip else None,
        resolution=choices.resolution,
        duration=choices.duration,
        seed=seed,
        prompt_extend=choices.prompt_extend,
        watermark=choices.watermark,
        audio_enabled=choices.sound if spec.audio_mode is AudioMode.SWITCHABLE else None,
        shot_type=_shot_type(choices, spec),
        template=choices.template if spec.has_templates else None,
        references=tuple(ref for ref in choices.references if spec.takes(ref.role)),
        ratio=choices.ratio if choices.ratio in spec.ratios else None,
    )


def _shot_type(choices: Choices, spec: ModelSpec) -> ShotType | None:
    # The service honours shot_type only with prompt rewriting on; otherwise it is not sent.
    if not spec.shot_type or not choices.prompt_extend:
        return None
    return choices.shot_type or ShotType.SINGLE


def seeds_for(choices: Choices, randbelow: RandomBelow = secrets.randbelow) -> list[int]:
    """A seed for every request of the batch, image by image, variation by variation."""
    count = choices.batch_size
    if choices.random_seed:
        seeds: list[int] = []
        while len(seeds) < count:
            seed = randbelow(SEED_MAX + 1)
            if seed not in seeds:  # the same seed twice would pay for the same video twice
                seeds.append(seed)
        return seeds
    per_image = [(choices.seed + i) % (SEED_MAX + 1) for i in range(choices.variations)]
    return per_image * max(1, len(choices.first_frames))


def build_requests(choices: Choices, randbelow: RandomBelow = secrets.randbelow) -> list[GenerationRequest]:
    """One request per first-frame image × variation; random seeds are distinct within the batch."""
    frames: Sequence[str | None] = choices.first_frames or (None,)
    seeds = iter(seeds_for(choices, randbelow))
    return [request_for(choices, frame, next(seeds)) for frame in frames for _ in range(choices.variations)]


def problem_text(problem: Problem) -> str:
    """E.g. "Duration: Wan 2.6 in US (Virginia) makes 5, 10 or 15 seconds (you chose 7)"."""
    label = _FIELD_WORDS.get(problem.field, problem.field.replace("_", " ").capitalize())
    value = problem.value
    shown = "" if value is None or len(str(value)) > 60 else f" (you chose {value})"
    return f"{label}: {problem.allowed}{shown}."


def check_requests(requests: Sequence[GenerationRequest], region: Region) -> tuple[str, ...]:
    """Every problem the local check finds in the batch, each sentence once (this reads the input files)."""
    problems: list[str] = []
    for request in requests:
        for problem in validate_request(request, region):
            text = problem_text(problem)
            if text not in problems:
                problems.append(text)
    return tuple(problems)


def model_title(spec: ModelSpec) -> str:
    """The model list's line: "Wan 3.0 (Newest, preview) — One model for ..."; words from the catalog."""
    marks = [spec.badge] if spec.badge else []
    if spec.status.state is Status.PREVIEW:
        marks.append("preview")
    retiring = retirement_words(spec)
    if retiring:
        marks.append(retiring[:1].lower() + retiring[1:])
    shown = f" ({', '.join(marks)})" if marks else ""
    return f"{spec.label}{shown} — {spec.description}"


AUTO_DURATION_WORDS = "Let the model choose"


def duration_items(spec: ModelSpec, durations: Sequence[int]) -> list[tuple[str, int]]:
    items = [(f"{d} s", d) for d in durations]
    if spec.auto_duration is not None:
        words = "Keep the input's length" if spec.auto_duration == 0 else AUTO_DURATION_WORDS
        items.insert(0, (words, spec.auto_duration))
    return items


def ratio_items(spec: ModelSpec) -> list[tuple[str, str]]:
    return [("Adaptive (follows the input)" if r == "adaptive" else r, r) for r in spec.ratios]


def region_offers(spec: ModelSpec) -> str:
    return ", ".join(REGIONS[r].label for r in spec.names_by_region) or "no region"


def model_info(spec: ModelSpec, region: Region) -> str:
    """E.g. "Offered in Singapore, US (Virginia). From US$0.10 per second of video."."""
    currency = REGIONS[region].currency
    prices = [p.per_second for p in spec.prices if p.currency is currency]
    if not prices:
        hint = f" No {currency.value} price is known for it."
    else:
        hint = f" From {cost.format_money(min(prices), currency)} per second of video."
    retiring = retirement_words(spec)
    status = f" {retiring}." if retiring else ""
    if spec.status.state is Status.PREVIEW:
        status += " " + (spec.status.note or "In preview.")
    return f"Offered in {region_offers(spec)}.{hint}{status}"


def cost_line(one: cost.CostEstimate, batch: cost.CostEstimate, count: int) -> str:
    """The estimate shown under the form: per video, for the batch, and what it depends on."""
    if one.amount is None:
        return f"Estimated cost: {cost.PRICE_UNKNOWN} for this model and region."
    rate = f"{one.per_second:g} {one.currency.value}/s × {one.seconds} s"
    text = f"Estimated cost: {one.text()} per video ({rate})"
    if count > 1:
        text += f"; {count} videos: {batch.text()}"
    text += "."
    if one.note:
        text += "\n" + " ".join(_sentence(part) for part in one.note.split("; ")) + " "
        text += "Only successful videos are charged."
    return text


def _sentence(note: str) -> str:
    dated = _AS_OF.match(note)
    if dated is not None:
        year, month = int(dated.group(1)), int(dated.group(2))
        if 1 <= month <= 12:
            return f"Prices as of {_MONTHS[month - 1]} {year}."
        return "Prices as published."
    return note[:1].upper() + note[1:] + "."
