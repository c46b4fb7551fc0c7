"""The PySide6 layer: a thin GUI over wan_desktop.core."""
