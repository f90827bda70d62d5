"""A dataset's rows as an Arrow C stream (the PyCapsule interface), for
`pyarrow.table(ds)`, `polars.DataFrame(ds)`, DuckDB and any consumer of
`__arrow_c_stream__`. Needs pyarrow (only when a stream is asked for).

Each batch is a piece of barforge's file-order reader (its C++ decoder),
and its Arrow arrays are built over the numpy buffers that the reader
decoded into: the float, integer and timestamp values are not copied (the
ticker strings, numpy objects, are). The schema is the one the footer's
`ARROW:schema` key records: fixed-size lists of their real lengths,
timestamps in UTC, int8/int16 labels.
"""

from __future__ import annotations

import base64
from typing import Any, Iterator

import numpy as np

# Rows per Arrow batch: large enough that the per-batch cost vanishes,
# small enough that a consumer's memory stays a few batches.
BATCH_ROWS = 65536


def _pyarrow():
    try:
        import pyarrow
    except ImportError as error:
        raise ImportError("the Arrow stream of a barforge dataset needs pyarrow: pip install pyarrow") from error
    return pyarrow


def arrow_schema(dataset) -> Any:
    """The dataset's Arrow schema, from its footer's ARROW:schema key."""
    pa = _pyarrow()
    stored = dataset.metadata["key_value"].get("ARROW:schema")
    if stored is None:
        raise ValueError(f"{dataset.path}: no ARROW:schema key in its footer")
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored)))


def _array(pa, field, values: np.ndarray):
    """An Arrow array of `field`'s type over `values`' buffer (no copy for
    fixed-width values; fixed-size lists over their flat values)."""
    n = len(values)
    kind = field.type
    if isinstance(kind, pa.ExtensionType):  # e.g. arrow.fixed_shape_tensor over a fixed-size list
        storage = _array(pa, pa.field(field.name, kind.storage_type), values)
        return pa.ExtensionArray.from_storage(kind, storage)
    if pa.types.is_fixed_size_list(kind):
        # A cross-section's (n, M, W, 4) is as flat as a single-ticker's (n, 4W):
        # nested lists are built over the same flat values.
        flat = np.ascontiguousarray(values).reshape(-1)
        child = _array(pa, pa.field("element", kind.value_type), flat)
        return pa.FixedSizeListArray.from_arrays(child, kind.list_size)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        return pa.array(values.tolist(), type=kind)
    if pa.types.is_boolean(kind):
        return pa.array(values, type=kind)
    values = np.ascontiguousarray(values)
    if pa.types.is_timestamp(kind):
        values = values.view(np.int64)
    width = kind.bit_width // 8
    if values.dtype.itemsize != width:
        raise ValueError(f"column {field.name}: {values.dtype} values for Arrow type {kind}")
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(values)])


def batches(dataset, schema) -> Iterator[Any]:
    pa = _pyarrow()
    names = schema.names
    for batch in dataset.iter_batches(BATCH_ROWS, columns=names):
        yield pa.RecordBatch.from_arrays([_array(pa, schema.field(i), batch[name]) for i, name in enumerate(names)],
                                         schema=schema)


def stream_capsule(dataset, requested_schema: object | None = None) -> object:
    pa = _pyarrow()
    schema = arrow_schema(dataset)
    reader = pa.RecordBatchReader.from_batches(schema, batches(dataset, schema))
    return reader.__arrow_c_stream__(requested_schema)
