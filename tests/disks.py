"""Real small and read-only file systems (tmpfs mounts) for tests of full and read-only disks.

Root ignores permissions, so chmod alone would prove nothing in CI; a mount is real. Tests skip, with the
reason, where mounting is not allowed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {result.stderr.strip()}")


def remount(folder: Path, options: str) -> None:
    """``options`` such as "ro", "rw" or "size=8m"."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True, capture_output=True)


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)
