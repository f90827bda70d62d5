"""Reads a Parquet file with pyarrow and with polars (the PyPI venv's,
.venv-pypi) and prints, as JSON, each reader's columns: name, type, the
field metadata pyarrow keeps, and the values as lists (int64 as decimal
strings, so that JSON loses no digit). Used by list_and_bool_crosscheck_test:
    .venv-pypi/bin/python dump_with_pypi.py FILE"""

import json
import sys

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq


def canonical(value):
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > 2**53 else value
    return value


def main(path):
    table = pq.read_table(path)
    arrow = []
    for field in table.schema:
        column = {"name": field.name, "type": str(field.type), "values": canonical(table[field.name].to_pylist())}
        if field.metadata:
            column["metadata"] = {k.decode(): v.decode() for k, v in field.metadata.items()}
        arrow.append(column)
    frame = pl.read_parquet(path)
    polars = [{"name": name, "type": str(frame.schema[name]), "values": canonical(frame[name].to_list())}
              for name in frame.columns]
    versions = {"pyarrow": pa.__version__, "polars": pl.__version__}
    json.dump({"versions": versions, "pyarrow": arrow, "polars": polars}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
