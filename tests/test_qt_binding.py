"""Guards against Qt binding bugs that crash the app rather than fail a feature."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt


class _NoneModel(QAbstractListModel):
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None


def test_model_returning_none_keeps_none_alive(qapp):
    # PySide6 6.12.0 decremented None's reference count on every such call; after a few thousand
    # repaints of the queue the interpreter aborted ("deallocating None").
    model = _NoneModel()
    index = model.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(500):
        index.data(Qt.ItemDataRole.UserRole + 1)
    assert sys.getrefcount(None) >= before - 10
