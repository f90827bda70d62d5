"""The type stubs shipped with the package match the extension, and every
public function, class and method has a docstring. Runs in .venv-pypi (it
has the pinned pybind11-stubgen). After changing the bindings, regenerate:

    PYTHONPATH=build/python .venv-pypi/bin/pybind11-stubgen barforge._core -o /tmp/stubs
    cp /tmp/stubs/barforge/_core.pyi python/barforge/_core.pyi
"""

import inspect
import subprocess
import sys
from pathlib import Path

import barforge
import barforge._dataset
import barforge._transform

SOURCE_DIR = Path(__file__).resolve().parents[2]
STUB = SOURCE_DIR / "python" / "barforge" / "_core.pyi"


def test_core_stub_is_what_pybind11_stubgen_generates(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pybind11_stubgen", "barforge._core", "-o", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    generated = (tmp_path / "barforge" / "_core.pyi").read_text()
    assert generated == STUB.read_text(), (
        "python/barforge/_core.pyi differs from the extension: regenerate it (see this file's docstring)")


def test_the_package_ships_its_stubs_and_py_typed():
    package = Path(barforge.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_core.pyi").read_text() == STUB.read_text()


def public_members(cls):
    for name, member in vars(cls).items():
        if not name.startswith("_") and (callable(member) or isinstance(member, (property, staticmethod))
                                         or type(member).__name__ == "property"):
            yield name, getattr(cls, name) if isinstance(member, staticmethod) else member


def documented(obj, name) -> bool:
    """A docstring beyond the signature line pybind11 writes for every
    function (`name(arg: type) -> type`)."""
    lines = [line for line in (obj.__doc__ or "").strip().splitlines() if line.strip()]
    if lines and lines[0].startswith(f"{name}("):
        lines = lines[1:]
    return bool(lines)


def test_every_public_function_class_and_method_has_a_docstring():
    missing = []
    for name in barforge.__all__:
        obj = getattr(barforge, name)
        if name == "__version__":
            continue
        if not documented(obj, name):
            missing.append(name)
        if inspect.isclass(obj):
            for member_name, member in public_members(obj):
                if not documented(member, member_name):
                    missing.append(f"{name}.{member_name}")
    assert missing == []
