"""An interpreter or numpy that barforge's build does not support fails at
`import barforge` with an ImportError naming the supported versions."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import barforge

SUPPORTED = "barforge supports CPython >= 3.11 (the one the extension was built for) and numpy >= 1.24, < 3"


def import_barforge(tmp_path, package_dir=None, numpy_version=None) -> subprocess.CompletedProcess:
    paths = []
    if numpy_version is not None:  # a stand-in numpy that only has a version
        fake = tmp_path / "fake_numpy" / "numpy"
        fake.mkdir(parents=True)
        (fake / "__init__.py").write_text(f"__version__ = {numpy_version!r}\n")
        paths.append(str(fake.parent))
    paths.append(str(package_dir or Path(barforge.__file__).parents[1]))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    return subprocess.run([sys.executable, "-c", "import barforge; print('imported')"], capture_output=True,
                          text=True, env=env, cwd=tmp_path)


def last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_supported_numpy_imports(tmp_path):
    result = import_barforge(tmp_path)
    assert result.returncode == 0 and result.stdout == "imported\n", result.stderr


def test_numpy_too_old_or_too_new_is_refused_naming_the_supported_versions(tmp_path):
    for version in ("1.23.5", "3.0.0"):
        result = import_barforge(tmp_path / version, numpy_version=version)
        assert result.returncode == 1
        assert last_line(result) == f"ImportError: {SUPPORTED}; this is numpy {version}"


def test_an_extension_built_for_another_interpreter_is_named(tmp_path):
    package = tmp_path / "site" / "barforge"
    shutil.copytree(Path(barforge.__file__).parent, package)
    (core,) = package.glob("_core.cpython-*.so")
    core.rename(package / "_core.cpython-399-x86_64-linux-gnu.so")
    result = import_barforge(tmp_path, package_dir=package.parent)
    assert result.returncode == 1
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert last_line(result) == (
        f"ImportError: barforge's extension was built for CPython 3.99, and this is CPython {here}: install "
        f"barforge for this interpreter (pip install barforge from its source); {SUPPORTED}")
