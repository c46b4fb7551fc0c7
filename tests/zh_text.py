"""What may stay in Latin letters in Chinese text, and what is left once it is taken out: the one rule every
Chinese test uses, for a window (tests/zh_walk.py), a core sentence or the CLI's output. No Qt here.

What may stay is an explicit allowlist: model names and API codes, units, file formats and the product's name
(the issue: "Model names and API codes stay as they are").
"""

from __future__ import annotations

import re

# whole words or codes that stay as they are in every language
ALLOWED = [
    r"Wan Desktop",
    r"Wan ?\d+(\.\d+)?( ?[A-Za-z+]+)*",  # a model's label: "Wan 3.0", "Wan 2.1 First+Last Frame", "Wan 3.0 Prime"
    r"wan[\w.\-]*",  # a model's API name: wan2.6-i2v-flash, wanx2.1-...
    r"\b(?:DashScope|Model Studio|Alibaba Cloud|Qwen|OpenTimelineIO|Base URL)\b",
    r"\bEnglish\b",  # a language's name in itself, as the language choice shows it
    r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b",  # environment variables: DASHSCOPE_API_KEY
    r"\b\w+ Keyring\b",  # a keyring backend's own name ("SecretService Keyring")
    (
        r"\b(?:API|Key|ID|URL|HTTP|HTTPS|SDK|CLI|MP4|MOV|JSON|CSV|OTIO|PNG|JPEG|JPG|WebP|WEBP|BMP|GIF|EXIF|CMYK|"
        r"RGB|RGBA|FPS|fps|GiB|MiB|KiB|GB|MB|KB|USD|CNY|US|CN|HK|UTC|FTS|SQLite|WAV|MP3|AAC|H\.264|HEVC|PID|sk)\b"
    ),
    r"\b\d+(?:\.\d+)?\s*(?:P|p|K|px|x|×|s|ms|fps|MB|GB|GiB|MiB|KB|kbps|Hz|%)\b",
    r"\b(?:[0-9]+:[0-9]+|adaptive)\b",  # aspect ratios are the API's values
    r"https?://\S+",
    r"(?:[~/.]|[A-Za-z]:\\)[\w./\\\-]+",  # paths a person chose, shown as they are
    r"\b[\w.\-]+\.(?:mp4|png|jpg|jpeg|webp|json|csv|otio|wav|mp3|txt|db)\b",
    r"\bsk-[\w\-]+\b",
    r"\b[0-9a-f]{6,}\b",  # ids
    r"\b(?:Ctrl|Shift|Alt|Del|Esc|Enter|Return|Tab|F\d+)\b",  # shortcut names, as Qt words them
]
_ALLOWED = re.compile("|".join(f"(?:{pattern})" for pattern in ALLOWED))
_TAGS = re.compile(r"<[^>]+>|&[a-z]+;")
_ENGLISH = re.compile(r"[A-Za-z]{2,}")


def english_left(text: str, extra_allowed: tuple[str, ...] = ()) -> str:
    """The English left in ``text`` once tags, allowed words and the extra allowed strings are removed."""
    rest = _TAGS.sub(" ", text)
    for allowed in extra_allowed:
        rest = rest.replace(allowed, " ")
    rest = _ALLOWED.sub(" ", rest)
    return " ".join(_ENGLISH.findall(rest))


def has_chinese(text: str) -> bool:
    """True when ``text`` holds at least one Chinese character (CJK Unified Ideographs)."""
    return _CHINESE.search(text) is not None


_CHINESE = re.compile(r"[\u4e00-\u9fff]")
