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
from datetime import date

from wan_desktop.core import cost
from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, AudioMode, ModelSpec, Region, retirement_words
from wan_desktop.core.dashscope.errors import Problem
from wan_desktop.core.dashscope.requests import SEED_MAX
from wan_desktop.core.dashscope.specs import Status
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, ShotType
from wan_desktop.core.i18n import _, data_text, format_month, format_number, format_seconds, ngettext
from wan_desktop.core.phrases import items, sentences, spaced
from wan_desktop.core.request_checks import validate_request

MAX_VARIATIONS = 4
# a cost note with a date in it is the price's date ("price as of 2026-11-01"), in whatever words
_AS_OF = re.compile(r"(\d{4})-(\d{2})\b")
_NOTES = re.compile(r"; |；")

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
    return [request_for(choices, frame, next(seeds)) for frame in frames for _variation in range(choices.variations)]


def field_words(field: str) -> str:
    """The name of a request field or input role as the form shows it ("Negative prompt")."""
    words = {
        "model": _("Model"),
        "resolution": _("Resolution"),
        "duration": _("Duration"),
        "prompt": _("Prompt"),
        "negative_prompt": _("Negative prompt"),
        "seed": _("Seed"),
        "shot_type": _("Shot type"),
        "audio_enabled": _("Sound"),
        "template": _("Effect"),
        "audio": _("Audio"),
        "last_frame": _("Last frame"),
        "first_frame": _("First frame"),
        "first_clip": _("Video clip"),
        "media": _("Inputs"),
        "ratio": _("Ratio"),
        "enable_thinking": _("Enable thinking"),
        "references": _("References"),
        "workspace": _("Workspace"),
        "reference_image": _("Reference image"),
        "reference_video": _("Reference video"),
        "reference_audio": _("Reference audio"),
        "driving_audio": _("Driving audio"),
        "audio_url": _("Audio url"),
        "video": _("Video"),
        "file": _("File"),
    }
    return words.get(field) or field.replace("_", " ").capitalize()


def problem_text(problem: Problem) -> str:
    """E.g. "Duration: Wan 2.6 in US (Virginia) makes 5, 10 or 15 seconds (you chose 7)"."""
    label = field_words(problem.field)
    allowed = problem.allowed.removesuffix("。")  # a Chinese sentence gets its full stop after the choice
    value = problem.value
    if value is None or len(str(value)) > 60:
        return spaced(_("{field}: {problem}."), field=label, problem=allowed)
    return spaced(_("{field}: {problem} (you chose {value})."), field=label, problem=allowed, value=value)


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
    marks = [data_text(spec.badge)] if spec.badge else []
    if spec.status.state is Status.PREVIEW:
        marks.append(_("preview"))
    retiring = retirement_words(spec)
    if retiring:
        marks.append(retiring[:1].lower() + retiring[1:])
    description = data_text(spec.description)
    if not marks:
        return _("{model} — {description}").format(model=spec.label, description=description)
    return _("{model} ({marks}) — {description}").format(model=spec.label, marks=items(marks), description=description)


def auto_duration_words() -> str:
    return _("Let the model choose")


def duration_items(spec: ModelSpec, durations: Sequence[int]) -> list[tuple[str, int]]:
    choices = [(format_seconds(d), d) for d in durations]
    if spec.auto_duration is not None:
        words = _("Keep the input's length") if spec.auto_duration == 0 else auto_duration_words()
        choices.insert(0, (words, spec.auto_duration))
    return choices


def ratio_words(ratio: str) -> str:
    """An aspect ratio as the composer and the details show it: "16:9" as it is, "adaptive" in words."""
    return _("Adaptive (follows the input)") if ratio == "adaptive" else ratio


def ratio_items(spec: ModelSpec) -> list[tuple[str, str]]:
    return [(ratio_words(r), r) for r in spec.ratios]


def shot_words(shot: ShotType) -> str:
    return {ShotType.SINGLE: _("Single shot"), ShotType.MULTI: _("Multi-shot (a short story)")}[shot]


def region_offers(spec: ModelSpec) -> str:
    return items(REGIONS[r].label for r in spec.names_by_region) or _("no region")


def model_info(spec: ModelSpec, region: Region) -> str:
    """E.g. "Offered in Singapore, US (Virginia). From US$0.10 per second of video."."""
    currency = REGIONS[region].currency
    prices = [p.per_second for p in spec.prices if p.currency is currency]
    if not prices:
        hint = _("No {currency} price is known for it.").format(currency=currency.value)
    else:
        hint = _("From {price} per second of video.").format(price=cost.format_money(min(prices), currency))
    retiring = retirement_words(spec)
    retirement = _("{retirement}.").format(retirement=retiring) if retiring else ""
    preview = ""
    if spec.status.state is Status.PREVIEW:
        preview = data_text(spec.status.note) or _("In preview.")
    offered = _("Offered in {regions}.").format(regions=region_offers(spec))
    return sentences(offered, hint, retirement, preview)


def cost_line(one: cost.CostEstimate, batch: cost.CostEstimate, count: int) -> str:
    """The estimate shown under the form: per video, for the batch, and what it depends on."""
    if one.amount is None:
        return _("Estimated cost: {price} for this model and region.").format(price=one.text())
    rate = _("{rate} {currency}/s × {seconds} s").format(
        rate=f"{one.per_second:g}", currency=one.currency.value, seconds=one.seconds
    )
    if count > 1:
        text = ngettext(
            "Estimated cost: {price} per video ({rate}); {n} video: {total}.",
            "Estimated cost: {price} per video ({rate}); {n} videos: {total}.",
            count,
        ).format(price=one.text(), rate=rate, n=format_number(count), total=batch.text())
    else:
        text = _("Estimated cost: {price} per video ({rate}).").format(price=one.text(), rate=rate)
    if one.note:
        notes = [_sentence(part) for part in _NOTES.split(one.note)]
        text += "\n" + sentences(*notes, _("Only successful videos are charged."))
    return text


def _sentence(note: str) -> str:
    dated = _AS_OF.search(note)
    if dated is not None:
        year, month = int(dated.group(1)), int(dated.group(2))
        if 1 <= month <= 12:
            month_words = format_month(date(year, month, 1))
            return _("Prices as of {month}.").format(month=month_words)
        return _("Prices as published.")
    return _("{note}.").format(note=note[:1].upper() + note[1:])
