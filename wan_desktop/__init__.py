"""Wan Desktop: a desktop client for Alibaba Cloud Model Studio's Wan image-to-video models."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wan-desktop")
except PackageNotFoundError:  # running from a source tree or a frozen bundle without metadata
    __version__ = "0.1.0"
