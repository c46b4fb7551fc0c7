"""The command line in Simplified Chinese: every `--help` has no English left but the option names, metavars,
choices and codes a person types; errors and tables are in Chinese; demo mode works end to end with a Chinese
prompt. Fails when a string of the CLI is left unmarked or untranslated."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest

from tests.engine_helpers import make_image
from tests.zh_text import has_chinese
from wan_desktop.cli import build_parser, main, pad
from wan_desktop.core.dashscope.catalog import MODELS

# English a Chinese help keeps on purpose: the product's name, "API Key" (the console's own words), the values a
# person types (`auto`, `adaptive`, `none`) and the protocol named in --base-url
KEPT_WORDS = {"Wan", "Desktop", "Key", "auto", "adaptive", "none", "http"}


def cli(home: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    environ = dict(os.environ, WAN_DESKTOP_LANGUAGE="zh_CN", DASHSCOPE_API_KEY="", **env)
    return subprocess.run(
        [sys.executable, "-m", "wan_desktop", "--home", str(home), "--language", "zh_CN", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- --help ---------------------------------------------------------------------------------------------------
def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*path, name))


def _typed_words(parser: argparse.ArgumentParser) -> set[str]:
    """What a person types or reads as a code in this parser's help: metavars, the names of positional
    arguments, choices (the subcommands' names among them). Options are taken out of the text by their dashes."""
    words: set[str] = set()
    for _path, each in _parsers(parser):
        for action in each._actions:
            metavar = action.metavar if isinstance(action.metavar, tuple) else (action.metavar or "",)
            positional = () if action.option_strings else (action.dest,)
            words.update(metavar, positional, map(str, action.choices or ()))
    return {piece for word in words for piece in re.findall(r"[A-Za-z][A-Za-z0-9_]*", word)}


def english_left(text: str, typed: set[str]) -> list[str]:
    """The English words in a help text once everything a person types is taken out: `{choice,...}` groups
    and placeholders, options (`--x`), file types (`.csv`, `*.png`), URLs, model names and labels, the program's
    name, UPPERCASE metavars and codes."""
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r"\S*://\S*", " ", text)
    for model in sorted(MODELS.values(), key=lambda spec: -len(spec.key)):
        text = text.replace(model.key, " ").replace(model.label, " ")
    text = text.replace("wan-desktop", " ").replace("wan2.7", " ")
    text = re.sub(r"(?<![A-Za-z0-9])[-.*][-.*A-Za-z0-9_=|]*", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)
    return [word for word in words if not word.isupper() and word not in typed and word not in KEPT_WORDS]


def _help_of(path: tuple[str, ...], capsys) -> str:
    with pytest.raises(SystemExit) as exited:
        main(["--language", "zh_CN", *path, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_every_help_is_chinese(chinese, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("WAN_DESKTOP_HOME", str(tmp_path / "home"))
    parser = build_parser()
    typed = _typed_words(parser)
    paths = [path for path, _parser in _parsers(parser)]
    assert ("storyboard", "render") in paths and ("budget",) in paths
    for path in paths:
        text = _help_of(path, capsys)
        assert text.startswith("用法：") and "选项" in text, path
        assert english_left(text, typed) == [], (path, text)


def test_the_filter_finds_english(chinese):
    typed = _typed_words(build_parser())
    assert english_left("  --prompt PROMPT   a prompt template", typed) == ["a", "prompt", "template"]
    assert english_left("  --model {wan2.6-i2v,wan3.0-video}  Wan 3.0：思考模式（例如 *.png 或 .csv）", typed) == []


def test_the_top_level_help_from_the_real_entry_point(tmp_path):
    out = cli(tmp_path / "home", "--help")
    assert out.returncode == 0, out.stderr
    assert "命令行：默认打开图形界面" in out.stdout and "The command line" not in out.stdout
    assert english_left(out.stdout, _typed_words(build_parser())) == []


# -- errors ----------------------------------------------------------------------------------------------------
def test_an_unknown_job_is_refused_in_chinese(tmp_path):
    out = cli(tmp_path / "home", "demo", "cancel", "zzz")  # demo: cancel asks the service, which needs a key
    assert out.returncode == 64
    assert out.stderr.strip() == "wan-desktop: 没有唯一与 'zzz' 匹配的任务"


def test_a_file_that_is_not_an_image_is_refused_in_chinese(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    out = cli(tmp_path / "home", "--library", str(tmp_path / "v"), "submit", str(text))
    assert out.returncode == 64 and "Traceback" not in out.stderr
    # the line is the CLI's ("notes.txt：…"); the sentence after the colon is the image check's (core/images.py)
    assert out.stderr.startswith("wan-desktop: notes.txt：")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["submit"], "请至少提供一张图片（或用 --clip 进行 wan2.7 视频续写）"),
        (["submit", "--duration", "x"], "参数 --duration：'x' 不是秒数，也不是 'auto'"),
        (["spend", "--since", "2026-13-01"], "'2026-13-01' 不是日期；请写成 YYYY-MM-DD"),
        (["budget", "set"], "请说明要设置什么：--daily、--monthly 或 --confirm-over"),
        (["storyboard", "show", "无此故事板"], "没有名为 '无此故事板' 的故事板（请查看 'storyboard list'）。"),
        (["preset", "delete"], "preset delete 需要一个名称"),
        (["demo"], "demo 后面需要一条命令："),
    ],
)
def test_refusals_are_in_chinese(chinese, capsys, tmp_path, args, words):
    parser_error = args[:2] == ["submit", "--duration"] or args == ["demo"]  # argparse exits with 2
    with pytest.raises(SystemExit) if parser_error else nullcontext():
        code = main(["--home", str(tmp_path / "home"), "--library", str(tmp_path / "v"), *args])
        assert code != 0
    err = capsys.readouterr().err
    assert words in err and has_chinese(err), err


# -- output ----------------------------------------------------------------------------------------------------
def test_models_and_budgets_are_listed_in_chinese(chinese, capsys, tmp_path):
    home = ["--home", str(tmp_path / "home"), "--library", str(tmp_path / "v")]
    assert main([*home, "models"]) == 0
    text = capsys.readouterr().out
    assert "Wan 3.0（最新、预览版）" in text and "文本、首帧、首尾帧、参考；预览版；" in text
    assert main([*home, "budget", "show"]) == 0
    assert capsys.readouterr().out.strip() == "未设置预算：任务发送时没有上限。"
    assert main([*home, "budget", "set", "--currency", "USD", "--daily", "5"]) == 0
    assert capsys.readouterr().out.strip() == "USD: 每日上限：US$5.00；每月上限：无上限；批量超过此金额时确认：无上限"
    assert main([*home, "models", "--json"]) == 0  # the JSON keeps its codes
    rows = json.loads(capsys.readouterr().out)
    assert {"text", "first frame"} <= set(next(row for row in rows if row["name"] == "wan3.0-video")["modes"])


def test_columns_line_up_with_chinese_words():
    assert (
        pad("已完成", 10) == "已完成    "
        and pad("queued", 10) == "queued    "
        and pad("很长很长很长", 4) == "很长很长很长"
    )


def test_demo_submit_run_and_jobs_in_chinese(tmp_path):
    home, picture = tmp_path / "home", make_image(tmp_path / "sunset.png")
    prompt = "山后的日落很美"
    options = ["--model", "wan2.2-i2v-plus", "--resolution", "480P", "--prompt", prompt]
    submitted = cli(home, "demo", "submit", str(picture), *options)
    assert submitted.returncode == 0, submitted.stderr
    [job_id] = submitted.stdout.split()
    run = cli(home, "demo", "run", "--quiet")
    assert run.returncode == 0 and run.stdout == "", run.stderr
    listed = cli(home, "demo", "jobs")
    assert listed.returncode == 0, listed.stderr
    assert re.fullmatch(rf"{job_id[:8]}  已完成\s+wan2\.2-i2v-plus\s+{prompt}\n", listed.stdout), listed.stdout
    [row] = json.loads(cli(home, "demo", "jobs", "--json").stdout)
    assert row["state"] == "done" and row["prompt"] == prompt and Path(row["video_path"]).is_file()
    assert prompt in Path(row["video_path"]).name
