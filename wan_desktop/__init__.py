"""Wan Desktop: a desktop client for Alibaba Cloud Model Studio's Wan image-to-video models."""

_FALLBACK_VERSION = "0.1.0"  # a source tree or a frozen bundle without package metadata


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata costs ~40 ms that the window's first paint need not wait for.
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wan-desktop")
    except PackageNotFoundError:
        return _FALLBACK_VERSION
