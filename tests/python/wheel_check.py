"""The repaired wheel (make wheel: wheelhouse/barforge-*.whl) as a user gets
it: `auditwheel show` gives it a manylinux tag and nothing outside the wheel
and the policy is loaded; installed into a fresh venv (no build tree, no
PYTHONPATH), `import barforge` works under numpy 2, `barforge --version`
runs from the venv's bin/, and a small build works from Python and from the
CLI. Run by `make wheel-test` (not by ctest: it needs `make wheel` first;
make test's python_pypi.test_pypi_pip_install builds and checks a wheel of
its own)."""

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SOURCE_DIR = Path(__file__).resolve().parents[2]
WHEELHOUSE = SOURCE_DIR / "wheelhouse"
WHEELHOUSE_PYPI = SOURCE_DIR / ".wheelhouse-pypi"


def the_wheel() -> Path:
    wheels = sorted(glob.glob(str(WHEELHOUSE / "barforge-*.whl")))
    assert len(wheels) == 1, f"expected one repaired wheel in {WHEELHOUSE}, found {wheels}"
    return Path(wheels[0])


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BARFORGE_BINARY_DIR")}
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, **kwargs)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_wheel_has_a_manylinux_tag_and_carries_its_libraries():
    wheel = the_wheel()
    assert "manylinux" in wheel.name, wheel.name
    shown = " ".join(run(sys.executable, "-m", "auditwheel", "show", wheel).stdout.split())
    tag = wheel.name.rsplit("-", 1)[1].removesuffix(".whl")
    assert f'is consistent with the following platform tag: "{tag}"' in shown, shown
    # Every library outside the manylinux policy is carried (auditwheel
    # names the grafted copies with a hash, as libtbb-4d79fbbd.so.12.8).
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    for library in ("libyaml-cpp", "libfmt", "libtbb", "libzstd", "libsnappy", "liblz4", "libthrift"):
        assert any(n.startswith(f"barforge.libs/{library}-") for n in names), library
    assert "barforge.scripts/barforge" in names and "barforge/py.typed" in names and "barforge/_core.pyi" in names


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv of /usr/bin/python3 without system site-packages: the
    wheel, with numpy and PyYAML from the lock's wheels (.wheelhouse-pypi/,
    filled by make deps), offline."""
    assert (WHEELHOUSE_PYPI / ".barforge-lock-stamp").exists(), f"no {WHEELHOUSE_PYPI}: run make deps"
    root = tmp_path_factory.mktemp("wheel_venv") / "venv"
    run("/usr/bin/python3", "-m", "venv", root)
    run(root / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
        "--find-links", WHEELHOUSE_PYPI, the_wheel())
    return root


def test_import_version_and_cli_from_the_venv(venv, tmp_path):
    python = venv / "bin" / "python"
    version = run(python, "-c", "import barforge, numpy; print(barforge.__version__, numpy.__version__[0])",
                  cwd=tmp_path).stdout.split()
    assert version[1] == "2"
    cli = venv / "bin" / "barforge"
    assert cli.exists()
    assert run(cli, "--version", cwd=tmp_path).stdout.strip().endswith(version[0])
    assert "--config" in run(cli, "build", "--help", cwd=tmp_path).stdout
    # Only the wheel's libraries and the system's base ones are loaded.
    core = glob.glob(str(venv / "lib" / "python3.*" / "site-packages" / "barforge" / "_core*.so"))
    ldd = run("ldd", core[0]).stdout
    for library in ("libyaml-cpp", "libfmt", "libtbb", "libzstd", "libsnappy", "liblz4", "libthrift"):
        for line in ldd.splitlines():
            if library in line:
                assert "barforge.libs" in line, line


def test_small_build_from_python_and_the_cli(venv, tmp_path):
    with open(SOURCE_DIR / "config" / "default.yaml") as f:
        cfg = yaml.safe_load(f)
    cfg.update({"data_dir": str(tmp_path / "data"), "tickers": ["AAA"], "window": 8, "horizon": 2, "n_jobs": 1})
    cfg["synthetic"]["n_bars"] = 1500
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    script = """
import sys, yaml, barforge
cfg = yaml.safe_load(open(sys.argv[1]))
path = barforge.build_dataset(cfg=cfg, n_samples=500, seed=42, overwrite=False)
ds = barforge.open_dataset(path)
print(path.name, ds.num_rows, ds.read()["ohlc"].shape)
"""
    out = run(venv / "bin" / "python", "-c", script, tmp_path / "c.yaml", cwd=tmp_path).stdout
    assert out.splitlines()[-1] == "samples_500.parquet 500 (500, 8, 4)"
    run(venv / "bin" / "barforge", "validate", tmp_path / "data" / "samples_500.parquet", cwd=tmp_path)
