"""The options that describe one request (prompt, model and its settings), shared by every command that makes
one: ``submit`` and ``storyboard add``."""

from __future__ import annotations

import argparse

from wan_desktop.core.dashscope.catalog import MODELS


def add_request_options(parser: argparse.ArgumentParser, *, default_model: str) -> None:
    parser.add_argument("--prompt", default="")
    parser.add_argument("--negative", default="")
    parser.add_argument("--model", default=default_model, choices=sorted(MODELS))
    parser.add_argument("--resolution")
    parser.add_argument("--duration", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--no-prompt-extend", action="store_true")
    audio = parser.add_mutually_exclusive_group()
    audio.add_argument("--audio", dest="audio_enabled", action="store_const", const=True)
    audio.add_argument("--no-audio", dest="audio_enabled", action="store_const", const=False)
