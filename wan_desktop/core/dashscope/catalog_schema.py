"""The one reader of catalog files: checks a catalog entry against the schema and turns it into a ModelSpec.

A catalog file is JSON: ``{"schema": 1, "models": [entry, ...]}``. Each entry names its model (``key``) and
everything else the app needs to know about it; ``docs/catalog.md`` describes the fields. Anything wrong is a
``CatalogError`` whose sentence names the file, the entry and the field, so a person editing an override file
can find the mistake. Nothing here trusts the file: types, ranges, names and sizes are all checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from wan_desktop.core.i18n import _

from .specs import (
    AudioLimits,
    AudioMode,
    Currency,
    Endpoint,
    ImageLimits,
    InputStyle,
    MediaRules,
    ModelFamily,
    ModelSpec,
    ModelStatus,
    Price,
    RateLimits,
    Region,
    RoleSpec,
    Status,
    VideoLimits,
)

SCHEMA_VERSION = 1
MAX_MODELS = 200
MAX_TEXT = 400
ROLE_NAMES = (
    "first_frame",
    "last_frame",
    "first_clip",
    "driving_audio",
    "audio_url",
    "reference_image",
    "reference_video",
    "reference_audio",
    "video",
)
_KEY = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RESOLUTIONS = ("480P", "720P", "1080P")
_RATIO = re.compile(r"^(adaptive|\d{1,2}:\d{1,2})$")
_ENDPOINTS = {"video_synthesis": Endpoint.VIDEO_SYNTHESIS, "image2video": Endpoint.IMAGE2VIDEO}
_REGIONS = {r.value: r for r in Region if r is not Region.CUSTOM}


class CatalogError(ValueError):
    """A catalog file or entry that does not follow the schema; the message is a sentence for a person."""


class _Entry:
    """Reads one entry's fields, naming file, entry and field in every complaint."""

    def __init__(self, source: str, entry: str, data: Any) -> None:
        self.source, self.entry = source, entry
        if not isinstance(data, Mapping):
            self.fail("", _("must be an object"))
        self.data: Mapping[str, Any] = data

    def fail(self, name: str, problem: str) -> NoReturn:
        """``problem`` says what the entry or field must be ("must be an object"): the end of the sentence."""
        if name:
            # Translators: {problem} is the rest of the sentence, e.g. "must be an object"
            text = _("The catalog file {file} was refused: entry '{entry}', field '{field}' {problem}.")
        else:
            text = _("The catalog file {file} was refused: entry '{entry}' {problem}.")
        raise CatalogError(text.format(file=self.source, entry=self.entry, field=name, problem=problem))

    def get(self, container: Mapping[str, Any], path: str) -> Any:
        return container.get(path.rsplit(".", 1)[-1])

    def text(self, container: Mapping[str, Any], path: str, default: str | None = None) -> str:
        value = self.get(container, path)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or len(value) > MAX_TEXT or (default is None and not value):
            self.fail(path, _("must be a text of at most {n} characters").format(n=MAX_TEXT))
        return value

    def choice(self, container: Mapping[str, Any], path: str, allowed: Mapping[str, Any] | tuple, default=None) -> Any:
        value = self.get(container, path)
        if value is None and default is not None:
            return default
        if value not in allowed:
            self.fail(
                path,
                _("must be one of {allowed}, not {value}").format(
                    allowed=", ".join(str(a) for a in allowed), value=repr(str(value)[:40])
                ),
            )
        return allowed[str(value)] if isinstance(allowed, Mapping) else value

    def number(self, container: Mapping[str, Any], path: str, low: float, high: float, default=None) -> float:
        value = self.get(container, path)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.fail(path, _("must be a number from {low} to {high}").format(low=f"{low:g}", high=f"{high:g}"))
        return value

    def integer(self, container: Mapping[str, Any], path: str, low: int, high: int, default=None) -> int:
        value = self.number(container, path, low, high, default)
        if value is not None and not isinstance(value, int):
            self.fail(path, _("must be a whole number"))
        return value  # type: ignore[return-value]

    def flag(self, container: Mapping[str, Any], path: str, default: bool) -> bool:
        value = self.get(container, path)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, _("must be true or false"))
        return value

    def mapping(self, container: Mapping[str, Any], path: str, required: bool = False) -> Mapping[str, Any]:
        value = self.get(container, path)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping) or len(value) > MAX_MODELS:
            self.fail(path, _("must be an object"))
        return value

    def items(self, container: Mapping[str, Any], path: str, allowed=None, limit: int = 64) -> tuple:
        value = self.get(container, path)
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > limit:
            self.fail(path, _("must be a list of at most {n} items").format(n=limit))
        for item in value:
            bad = not isinstance(item, (str, int)) or isinstance(item, bool)
            if bad or (allowed is not None and item not in allowed):
                self.fail(path, _("holds {value}, which is not allowed here").format(value=repr(str(item)[:40])))
        return tuple(value)


# -- the entry ---------------------------------------------------------------------------------------
def parse_entry(source: str, data: Any, index: int) -> ModelSpec:
    """One catalog entry as a ModelSpec, or CatalogError naming what is wrong."""
    name = data.get("key") if isinstance(data, Mapping) and isinstance(data.get("key"), str) else f"#{index + 1}"
    e = _Entry(source, str(name)[:64], data)
    key = e.text(e.data, "key")
    if not _KEY.match(key):
        e.fail("key", _("must be a model name of lower-case letters, digits, dots and dashes"))
    roles = _roles(e)
    parameters = e.mapping(e.data, "parameters", required=True)
    resolutions = e.items(parameters, "parameters.resolutions", _RESOLUTIONS)
    if not resolutions:
        e.fail("parameters.resolutions", _("must name at least one resolution"))
    durations = _durations(e, parameters)
    return ModelSpec(
        key=key,
        family=e.choice(e.data, "family", {f.value: f for f in ModelFamily}),
        label=e.text(e.data, "label"),
        description=e.text(e.data, "description", ""),
        endpoint=e.choice(e.data, "endpoint", _ENDPOINTS),
        input_style=e.choice(e.data, "input_style", {s.value: s for s in InputStyle}),
        resolutions=resolutions,
        default_resolution=e.choice(parameters, "parameters.default_resolution", resolutions),
        durations=durations,
        default_duration=_default_duration(e, parameters, durations),
        prompt_max=e.integer(e.mapping(e.data, "prompt", True), "prompt.max", 1, 100_000),
        negative_prompt_max=e.integer(e.mapping(e.data, "prompt"), "prompt.negative_max", 0, 100_000, 500),
        names_by_region=_names(e, key),
        rate_limits=_rate(e, e.mapping(e.data, "rate_limits", True), "rate_limits"),
        rate_limits_by_region=MappingProxyType(
            {
                _region(e, r, "rate_limits.by_region"): _rate(e, v, f"rate_limits.by_region.{r}")
                for r, v in e.mapping(e.mapping(e.data, "rate_limits"), "rate_limits.by_region").items()
            }
        ),
        image_limits=_image_limits(e),
        audio_limits=_limits(e, "audio_limits", AudioLimits),
        video_limits=_limits(e, "video_limits", VideoLimits),
        audio_mode=e.choice(parameters, "parameters.audio_mode", {m.value: m for m in AudioMode}, AudioMode.SILENT),
        accepts_audio_url="audio_url" in roles,
        shot_type=e.flag(parameters, "parameters.shot_type", False),
        templates=tuple(str(t) for t in e.items(parameters, "parameters.templates")),
        takes_last_frame="last_frame" in roles,
        takes_first_clip="first_clip" in roles,
        prices=_prices(e, resolutions),
        durations_by_region=_durations_by_region(e, parameters),
        returns_actual_prompt=e.flag(e.data, "returns_actual_prompt", True),
        **_extras(e, parameters),
    )


def _extras(e: _Entry, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The fields added with Wan 3.0: status, roles and rules, ratios, smart duration, hosts, billing."""
    roles = _roles(e)
    prompt = e.mapping(e.data, "prompt")
    return dict(
        badge=e.text(e.data, "badge", ""),
        status=_status(e),
        roles=MappingProxyType(roles),
        rules=_rules(e, roles),
        ratios=e.items(parameters, "parameters.ratios"),
        default_ratio=_default_ratio(e, parameters),
        auto_duration=_auto_duration(e, parameters),
        thinking=e.flag(parameters, "parameters.thinking", False),
        prompt_required=e.flag(prompt, "prompt.required", False),
        prompt_truncated=e.flag(prompt, "prompt.truncated", False),
        fps=e.integer(e.data, "fps", 1, 120, 0) or None,
        workspace_host_only=e.flag(e.data, "workspace_host_only", False),
        bills_input_video=e.flag(e.data, "bills_input_video", False),
        aliases=tuple(str(a) for a in e.items(e.data, "aliases")),
        has_prompt_extend=e.flag(parameters, "parameters.prompt_extend", True),
        has_negative_prompt=e.integer(prompt, "prompt.negative_max", 0, 100_000, 500) > 0,
    )


def _region(e: _Entry, value: str, path: str) -> Region:
    if value not in _REGIONS:
        e.fail(
            path,
            _("names the unknown region {value}; use one of {regions}").format(
                value=repr(value[:40]), regions=", ".join(_REGIONS)
            ),
        )
    return _REGIONS[value]


def _names(e: _Entry, key: str) -> Mapping[Region, str]:
    regions = e.mapping(e.data, "regions", required=True)
    if not regions:
        e.fail("regions", _("must name at least one region"))
    names = {}
    for region, name in regions.items():
        if not isinstance(name, str) or not _KEY.match(name):
            e.fail(f"regions.{region}", _("must be the model name the service knows in that region"))
        names[_region(e, region, "regions")] = name
    return MappingProxyType(names)


def _roles(e: _Entry) -> dict[str, RoleSpec]:
    roles: dict[str, RoleSpec] = {}
    for name, value in e.mapping(e.data, "roles", required=True).items():
        path = f"roles.{name}"
        if name not in ROLE_NAMES:
            e.fail(path, _("is not a known input role; use one of {roles}").format(roles=", ".join(ROLE_NAMES)))
        if not isinstance(value, Mapping):
            e.fail(path, _("must be an object"))
        max_count = e.integer(value, f"{path}.max", 1, 20)
        min_count = e.integer(value, f"{path}.min", 0, max_count, 0)
        roles[name] = RoleSpec(name, max_count, min_count, e.flag(value, f"{path}.voice", False))
    return roles


def _role_list(e: _Entry, container: Mapping[str, Any], path: str, roles: Mapping[str, RoleSpec]) -> tuple:
    return e.items(container, path, tuple(roles))


def _rules(e: _Entry, roles: Mapping[str, RoleSpec]) -> MediaRules:
    rules = e.mapping(e.data, "rules")
    exclusive = []
    for index, pair in enumerate(rules.get("exclusive") or ()):
        path = f"rules.exclusive.{index}"
        if not isinstance(pair, list) or len(pair) != 2:
            e.fail(path, _("must be a pair of role lists"))
        given: list[Any] = list(pair)
        sides = [frozenset(_role_list(e, {"side": side}, f"{path}.side", roles)) for side in given]
        exclusive.append((sides[0], sides[1]))
    requires = {}
    for role, needed in e.mapping(rules, "rules.requires").items():
        if role not in roles:
            e.fail(f"rules.requires.{role}", _("names a role the model does not take"))
        requires[role] = _role_list(e, {role: needed}, f"rules.requires.{role}", roles)
    max_total = []
    for index, item in enumerate(rules.get("max_total") or ()):
        path = f"rules.max_total.{index}"
        if not isinstance(item, Mapping):
            e.fail(path, _("must be an object with roles and max"))
        max_total.append(
            (frozenset(_role_list(e, item, f"{path}.roles", roles)), e.integer(item, f"{path}.max", 1, 50))
        )
    return MediaRules(
        one_of=_role_list(e, rules, "rules.one_of", roles),
        exclusive=tuple(exclusive),
        requires=MappingProxyType(requires),
        max_total=tuple(max_total),
        total_seconds=MappingProxyType(
            {
                _known_role(e, r, roles, "rules.total_seconds"): e.number({r: v}, f"rules.total_seconds.{r}", 1, 600)
                for r, v in e.mapping(rules, "rules.total_seconds").items()
            }
        ),
        duration_max_with=MappingProxyType(
            {
                _known_role(e, r, roles, "rules.duration_max_with"): e.integer(
                    {r: v}, f"rules.duration_max_with.{r}", 1, 600
                )
                for r, v in e.mapping(rules, "rules.duration_max_with").items()
            }
        ),
        input_plus_output_max=e.integer(rules, "rules.input_plus_output_max", 1, 600, 0) or None,
    )


def _known_role(e: _Entry, role: str, roles: Mapping[str, RoleSpec], path: str) -> str:
    if role not in roles:
        e.fail(f"{path}.{role}", _("names a role the model does not take"))
    return role


def _durations(e: _Entry, parameters: Mapping[str, Any]) -> tuple[int, ...]:
    spec = e.mapping(parameters, "parameters.durations", required=True)
    if "values" in spec:
        values = tuple(int(v) for v in e.items(spec, "parameters.durations.values"))
        if not values or any(not 1 <= v <= 600 for v in values):
            e.fail("parameters.durations.values", _("must list whole seconds from 1 to 600"))
        return values
    low = e.integer(spec, "parameters.durations.min", 1, 600)
    high = e.integer(spec, "parameters.durations.max", low, 600)
    return tuple(range(low, high + 1))


def _default_duration(e: _Entry, parameters: Mapping[str, Any], durations: tuple[int, ...]) -> int:
    value = e.integer(parameters, "parameters.default_duration", -1, 600)
    if value not in durations and value != _auto_duration(e, parameters):
        e.fail("parameters.default_duration", _("must be one of the model's durations"))
    return value


def _auto_duration(e: _Entry, parameters: Mapping[str, Any]) -> int | None:
    value = parameters.get("auto_duration")
    if value is None:
        return None
    if value not in (-1, 0) or isinstance(value, bool):
        e.fail("parameters.auto_duration", _("must be -1 or 0 (the value that lets the model choose the length)"))
    return value


def _durations_by_region(e: _Entry, parameters: Mapping[str, Any]) -> Mapping[Region, tuple[int, ...]]:
    found = e.mapping(parameters, "parameters.durations_by_region")
    return MappingProxyType(
        {
            _region(e, r, "parameters.durations_by_region"): tuple(
                int(v) for v in e.items({r: v}, f"parameters.durations_by_region.{r}")
            )
            for r, v in found.items()
        }
    )


def _default_ratio(e: _Entry, parameters: Mapping[str, Any]) -> str | None:
    ratios = e.items(parameters, "parameters.ratios")
    for ratio in ratios:
        if not isinstance(ratio, str) or not _RATIO.match(ratio):
            e.fail(
                "parameters.ratios",
                _("holds {value}, which is not 'adaptive' or W:H").format(value=repr(str(ratio)[:20])),
            )
    if not ratios:
        return None
    return e.choice(parameters, "parameters.default_ratio", ratios, ratios[0])


def _rate(e: _Entry, value: Any, path: str) -> RateLimits:
    if not isinstance(value, Mapping):
        e.fail(path, _("must be an object"))
    return RateLimits(
        e.number(value, f"{path}.submit_per_second", 0.01, 1000),
        e.integer(value, f"{path}.concurrent_tasks", 1, 1000),
    )


def _image_limits(e: _Entry) -> ImageLimits:
    limits = _limits(e, "image_limits", ImageLimits)
    return limits if limits is not None else ImageLimits()


def _limits(e: _Entry, name: str, kind: type):
    value = e.data.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        e.fail(name, _("must be an object"))
    defaults = kind()
    changes: dict[str, Any] = {}
    for field_name in value:
        path = f"{name}.{field_name}"
        if not hasattr(defaults, field_name):
            e.fail(path, _("is not a known limit"))
        default = getattr(defaults, field_name)
        if isinstance(default, tuple):
            changes[field_name] = tuple(str(v) for v in e.items(value, path))
        elif isinstance(default, bool):
            changes[field_name] = e.flag(value, path, default)
        else:
            changes[field_name] = e.number(value, path, 0, 10**10)
    return kind(**changes)


def _status(e: _Entry) -> ModelStatus:
    status = e.mapping(e.data, "status")
    retires_on = e.text(status, "status.retires_on", "")
    if retires_on and not _DATE.match(retires_on):
        e.fail("status.retires_on", _("must be a date written YYYY-MM-DD"))
    state = e.choice(status, "status.state", {s.value: s for s in Status}, Status.GA)
    if state is Status.RETIRING and not retires_on:
        e.fail("status.retires_on", _("must give the date a retiring model stops working"))
    return ModelStatus(
        state=state,
        retires_on=retires_on,
        successor=e.text(status, "status.successor", ""),
        apply_url=e.text(status, "status.apply_url", ""),
        note=e.text(status, "status.note", ""),
    )


def _prices(e: _Entry, resolutions: tuple[str, ...]) -> tuple[Price, ...]:
    """{region: {currency, valid_from, source, per_second: {resolution: amount}, per_second_silent: {...}}}"""
    prices: list[Price] = []
    for region_name, table in e.mapping(e.data, "prices").items():
        path = f"prices.{region_name}"
        region = _region(e, region_name, "prices")
        if not isinstance(table, Mapping):
            e.fail(path, _("must be an object"))
        currency = e.choice(table, f"{path}.currency", {c.value: c for c in Currency})
        valid_from = e.text(table, f"{path}.valid_from")
        if not _DATE.match(valid_from):
            e.fail(f"{path}.valid_from", _("must be a date written YYYY-MM-DD"))
        source = e.text(table, f"{path}.source", "catalog")
        for column, audio in (("per_second", None), ("per_second_silent", False)):
            for resolution, amount in e.mapping(table, f"{path}.{column}").items():
                if resolution not in resolutions:
                    e.fail(f"{path}.{column}.{resolution}", _("is not one of the model's resolutions"))
                value = e.number({resolution: amount}, f"{path}.{column}.{resolution}", 0, 1000)
                has_silent = bool(table.get("per_second_silent"))
                price_audio = audio if audio is not None else (True if has_silent else None)
                prices.append(Price(resolution, value, currency, source, valid_from, price_audio, region))
    return tuple(prices)


def parse_catalog(source: str, data: Any) -> tuple[ModelSpec, ...]:
    """Every entry of a catalog document; CatalogError on the first that is wrong."""
    if not isinstance(data, Mapping) or data.get("schema") != SCHEMA_VERSION:
        raise CatalogError(
            _('The catalog file {file} was refused: it must be a JSON object with "schema": {version}.').format(
                file=source, version=SCHEMA_VERSION
            )
        )
    models = data.get("models")
    if not isinstance(models, list) or len(models) > MAX_MODELS:
        raise CatalogError(
            _("The catalog file {file} was refused: 'models' must be a list of at most {n}.").format(
                file=source, n=MAX_MODELS
            )
        )
    specs = tuple(parse_entry(source, entry, index) for index, entry in enumerate(models))
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise CatalogError(
                _("The catalog file {file} was refused: entry '{entry}' appears twice.").format(
                    file=source, entry=spec.key
                )
            )
        seen.add(spec.key)
    return specs
