"""Checks what barforge's Python DatasetReader (the _core binding) gives for
the file dataset_reader_kinds_test writes: each new kind as a numpy array of
its type, (n, *shape) for a list, bools as numpy bool, no copy of the
reader's buffers, and column_shapes. Prints "ok" or fails with an assertion.
    python python_kinds_check.py FILE ROWS"""

import sys

import numpy as np

from barforge import _core


def main(path, rows):
    reader = _core.DatasetReader(path)
    shapes = reader.column_shapes
    assert shapes["flag"] == (), shapes
    assert shapes["bools"] == (3,), shapes
    assert shapes["bools_shaped"] == (2, 3), shapes
    assert shapes["i64_shaped"] == (1, 2, 3), shapes
    assert shapes["floats_shaped"] == (2, 2, 2), shapes
    kinds = dict(reader.columns)
    assert kinds["flag"] == "bool" and kinds["bools_shaped"] == "bool_list", kinds
    assert kinds["i8"] == "int8_list" and kinds["i16"] == "int16_list" and kinds["i64"] == "int64_list", kinds
    assert kinds["i32"] == "int32", kinds
    got = reader.read_row_group(0, [])
    n = reader.row_group_rows(0)
    want = {"flag": (np.bool_, ()), "bools": (np.bool_, (3,)), "bools_shaped": (np.bool_, (2, 3)),
            "i8": (np.int8, (4,)), "i8_shaped": (np.int8, (2, 2)), "i16": (np.int16, (3,)),
            "i16_shaped": (np.int16, (3, 2)), "i64": (np.int64, (2,)), "i64_shaped": (np.int64, (1, 2, 3)),
            "floats_shaped": (np.float32, (2, 2, 2)), "i32": (np.int64, ()), "id": (np.int64, ())}
    for name, (dtype, shape) in want.items():
        array = got[name]
        assert array.dtype == dtype, (name, array.dtype)
        assert array.shape == (n, *shape), (name, array.shape)
        assert array.base is not None, name  # a view of the reader's buffer, not a copy
    # Values, recomputed as kinds_file_helpers.cpp makes them.
    r = np.arange(n)[:, None]
    assert (got["id"] == np.arange(n)).all()
    assert (got["flag"] == (np.arange(n) % 3 == 0)).all()
    j = np.arange(3)[None, :]
    mixed = (r * 31 + j * 17 + 3) % 2 == 1
    bools = np.where(r % 5 == 1, True, np.where(r % 5 == 2, False, mixed))
    assert (got["bools"] == bools).all()
    assert got["bools"].sum() not in (0, got["bools"].size)
    assert got["i8"][0, 0] == -128 and got["i8"][0, 1] == 127
    assert got["i16_shaped"][0, 0, 0] == -32768 and got["i16_shaped"][0, 0, 1] == 32767
    assert got["i64_shaped"][0, 0, 0, 0] == np.iinfo(np.int64).min
    floats = (np.arange(n)[:, None] * 8 + np.arange(8)[None, :]).astype(np.float32) * np.float32(0.5) - np.float32(100)
    assert (got["floats_shaped"].reshape(n, 8) == floats).all()
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
