"""``zh_walk`` reading list views too (until tests/zh_walk.py does it itself): its ``_model_texts`` asks a model
for ``columnCount()``, which a QListWidget's model (a QAbstractListModel) keeps private in PySide6, so the walk
stopped with a TypeError at the first list widget. A list model has one column."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from tests import zh_walk

_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


def model_texts(view: QAbstractItemView, limit: int = 200) -> list[str]:
    """What ``zh_walk._model_texts`` reads (headers, then each cell's words and tooltip), list models included."""
    model = view.model()
    if model is None:
        return []
    root = QModelIndex()
    listed = isinstance(model, QAbstractListModel)
    columns = 1 if listed else model.columnCount(root)
    texts: list[str] = []
    for section in range(0 if listed else columns):
        value = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        if isinstance(value, str):
            texts.append(value)
    for row in range(min(model.rowCount(root), limit)):
        for column in range(columns):
            index = model.index(row, column, root)
            texts += [value for role in _ROLES if isinstance(value := model.data(index, role), str)]
    return texts


@contextmanager
def list_models_walked() -> Iterator[None]:
    with mock.patch.object(zh_walk, "_model_texts", model_texts):
        yield
