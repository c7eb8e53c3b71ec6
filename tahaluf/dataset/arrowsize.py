"""Encoding rows with their Features, a chunk at a time, and the size of the whole Arrow table.

The card records each split's ``num_bytes``: ``pyarrow.Table.nbytes`` of the
split's rows encoded with the config's Features (``Dataset.from_list``), the
encoding that also checks every value (a ClassLabel name, a type). A
:class:`TableBytes` encodes the rows in chunks of :data:`CHUNK_ROWS`, so no
table of a whole split is ever held, and adds up what ``Table.nbytes``
counts for the table of all the rows at once, which is exact because what it
counts is additive over rows per array node:

* a string array: its validity bitmap if it has one (``ceil(length / 8)``
  bytes; Arrow makes one only when the array has a null), 4 bytes of offset
  per value, and the bytes of the values;
* a list array: its bitmap, 4 bytes of offset per list, and its values array;
* a primitive array: its bitmap and ``length * width`` bytes;
* a struct array: its fields only (``nbytes`` does not count a struct's own
  bitmap).

Each node's length, data bytes and whether any chunk had a bitmap are added
up over the chunks; the bitmap of the whole is ``ceil(total length / 8)``.
``tests/test_dataset_stream.py`` checks the sum against ``Table.nbytes`` of
the whole table.
"""

from __future__ import annotations

from typing import Any

from tahaluf.core.errors import TahalufError

#: rows encoded at a time, at most (fewer when they hold more than CHUNK_BYTES of JSON)
CHUNK_ROWS = 512
CHUNK_BYTES = 1 << 21


def _walk(arr, nodes: dict[str, list], path: str) -> None:
    import numpy as np
    import pyarrow as pa

    t = arr.type
    node = nodes.setdefault(path, [0, False, 0, "struct" if pa.types.is_struct(t) else
                                   "list" if pa.types.is_list(t) else
                                   "string" if pa.types.is_string(t) else "primitive"])
    n = len(arr)
    node[0] += n
    bufs = arr.buffers()
    if bufs[0] is not None:
        node[1] = True
    kind = node[3]
    if kind == "struct":
        for i in range(t.num_fields):
            _walk(arr.field(i), nodes, f"{path}.{t.field(i).name}")
    elif kind == "list":
        _walk(arr.flatten(), nodes, path + "[]")
    elif kind == "string":
        if n:
            o = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
            node[2] += int(o[-1]) - int(o[0])
    elif t.bit_width and t.bit_width % 8 == 0:
        node[2] += n * (t.bit_width // 8)
    else:
        raise TahalufError(f"no size rule for the Arrow type {t} (tahaluf.dataset.arrowsize)")


class TableBytes:
    """Rows of one config's split, encoded with its Features ``CHUNK_ROWS`` at a
    time; :meth:`nbytes` is ``Table.nbytes`` of the table of all of them."""

    def __init__(self, feats, where: str) -> None:
        self.feats, self.where = feats, where
        self.rows = 0
        self._bytes = 0
        self._buf: list[dict] = []
        self._nodes: dict[str, list] = {}

    def add(self, rows: list[dict], size: int = 0) -> None:
        """Add ``rows`` (``size``: their bytes as JSON, which bounds a chunk too)."""
        self._buf += rows
        self.rows += len(rows)
        self._bytes += size
        if len(self._buf) >= CHUNK_ROWS or self._bytes >= CHUNK_BYTES:
            self._flush()

    def _encode(self, rows: list[dict]) -> Any:
        from datasets import Dataset
        try:  # from_list([]) cannot infer the keys: build an empty table by name
            return (Dataset.from_list(rows, features=self.feats) if rows else
                    Dataset.from_dict({k: [] for k in self.feats}, features=self.feats)).data
        except (ValueError, TypeError, KeyError) as e:
            raise TahalufError(f"{self.where}: rows do not fit the declared features: {e}") from e

    def _flush(self) -> None:
        if not self._buf:
            return
        table = self._encode(self._buf)
        self._buf, self._bytes = [], 0
        for name in table.column_names:
            for chunk in table.column(name).chunks:
                _walk(chunk, self._nodes, name)

    def nbytes(self) -> int:
        self._flush()
        if not self.rows:
            return self._encode([]).nbytes
        total = 0
        for length, bitmap, data, kind in self._nodes.values():
            if kind == "struct":
                continue
            total += (length + 7) // 8 if bitmap else 0
            total += 4 * length if kind in ("list", "string") else 0
            total += data
        return total
