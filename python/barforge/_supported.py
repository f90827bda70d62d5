"""Which interpreters and numpy versions this build of barforge supports,
checked at import so that an unsupported one fails with a message naming
the supported versions (not with a bare undefined-symbol or ABI error)."""

from __future__ import annotations

import glob
import os
import sys

# CPython 3.11 or later (the extension is built for one minor version: the
# one it was compiled with, named in its file name), numpy 1.24 to 2.x
# (pybind11 >= 2.12 supports both numpy ABIs).
PYTHON_MIN = (3, 11)
NUMPY_MIN = (1, 24)
NUMPY_BELOW = (3, 0)
SUPPORTED = "CPython >= 3.11 (the one the extension was built for) and numpy >= 1.24, < 3"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _built_for() -> str | None:
    """The interpreter tag in the extension's file name (e.g. cpython-311), or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in glob.glob(os.path.join(here, "_core.*.so")):
        parts = os.path.basename(path).split(".")
        if len(parts) == 3 and parts[1].startswith("cpython-"):
            return parts[1].split("-")[1]
    return None


def check_environment() -> None:
    """Raises ImportError naming the supported versions when this
    interpreter or its numpy is not one of them."""
    here = f"CPython {sys.version_info[0]}.{sys.version_info[1]}"
    if sys.implementation.name != "cpython" or sys.version_info[:2] < PYTHON_MIN:
        raise ImportError(f"barforge supports {SUPPORTED}; this is {sys.implementation.name} "
                          f"{sys.version_info[0]}.{sys.version_info[1]}")
    tag = _built_for()
    if tag is not None and tag != f"{sys.version_info[0]}{sys.version_info[1]}":
        raise ImportError(f"barforge's extension was built for CPython {tag[0]}.{tag[1:]}, and this is {here}: "
                          f"install barforge for this interpreter (pip install barforge from its source); "
                          f"barforge supports {SUPPORTED}")
    try:
        import numpy
    except ImportError as error:
        raise ImportError(f"barforge needs numpy (it supports {SUPPORTED}): {error}") from error
    version = _version_tuple(numpy.__version__)
    if not NUMPY_MIN <= version < NUMPY_BELOW:
        raise ImportError(f"barforge supports {SUPPORTED}; this is numpy {numpy.__version__}")
