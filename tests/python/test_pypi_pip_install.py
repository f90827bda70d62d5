"""barforge as a user installs it from a clone, offline: in fresh venvs of
Debian's python3 (no system site-packages, no PYTHONPATH, no build tree),
with PyPI's packages from the wheelhouse scripts/install-deps.sh fills from
python/requirements-test.lock (.wheelhouse-pypi/, `--no-index
--find-links`, so pip's build isolation takes scikit-build-core and pybind11
from it too):

- `pip wheel <clone>`, repaired by `auditwheel repair`, carries a manylinux
  tag and every library outside the policy; installed into a fresh venv,
  `ldd` of its extension and CLI shows nothing loaded from outside the wheel
  but the policy's base libraries (libc, libstdc++, libz, ...), and it runs
  with the system's copies of the libraries it carries hidden (a mount
  namespace covers them): it runs where the -dev packages are absent;
- `pip install <clone>` builds and installs; in its venv `import barforge`
  runs under numpy 2, the reference call `barforge.build_dataset(cfg=cfg,
  n_samples=..., seed=..., overwrite=False)` works and `barforge build
  --help` runs from the venv's PATH.

The C++ code is compiled once for both: the two pip builds share
scikit-build-core's build-dir (BARFORGE_PIP_BUILD_DIR, kept in the build
tree between runs), and a pip build compiles the extension against a copy
of pybind11's headers in that folder (python/CMakeLists.txt), not against
pip's temporary build environment: the second build recompiles nothing. Run by CTest as python_pypi.test_pypi_pip_install, alone
(RUN_SERIAL): the first run compiles the library again."""

import glob
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

SOURCE_DIR = Path(__file__).resolve().parents[2]
BINARY_DIR = Path(os.environ.get("BARFORGE_BINARY_DIR", SOURCE_DIR / "build"))
WHEELHOUSE = SOURCE_DIR / ".wheelhouse-pypi"
PIP_BUILD_DIR = Path(os.environ.get("BARFORGE_PIP_BUILD_DIR", BINARY_DIR / "pip-install-build"))
# What the wheel must carry (auditwheel grafts them as barforge.libs/<name>-<hash>.so.N).
CARRIED = ("libyaml-cpp", "libfmt", "libtbb", "libzstd", "libsnappy", "liblz4", "libthrift")


def policy_libraries(wheel: Path) -> tuple[str, ...]:
    """What the wheel's manylinux tag lets it take from the system: the
    policy's lib_whitelist in auditwheel (libc, libm, libstdc++, libgcc_s,
    libz, ...), and the kernel's vDSO and the dynamic loader."""
    import auditwheel
    tag = wheel.name.rsplit("-", 1)[1].removesuffix(".whl").removesuffix("_x86_64")
    policies = json.loads((Path(auditwheel.__file__).parent / "policy" / "manylinux-policy.json").read_text())
    policy = next(p for p in policies if p["name"] == tag)
    return tuple(policy["lib_whitelist"]) + ("linux-vdso.so.1", "/lib64/ld-linux-x86-64.so.2")


def run(*args, env=None, **kwargs) -> subprocess.CompletedProcess:
    """A command as a user's shell runs it: without the build tree's
    PYTHONPATH and BARFORGE_BINARY_DIR."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTHONPATH", "BARFORGE_BINARY_DIR", "VIRTUAL_ENV")}
    clean.update(env or {})
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=clean, **kwargs)
    assert result.returncode == 0, f"{args}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def fresh_venv(root: Path) -> Path:
    run("/usr/bin/python3", "-m", "venv", root)
    # A venv, and nothing of Debian's site-packages (numpy 1) can leak in.
    out = run(root / "bin" / "python", "-c",
              "import sys; print(sys.prefix != sys.base_prefix, any('dist-packages' in p for p in sys.path))")
    assert out.stdout.split() == ["True", "False"], out.stdout
    return root


def pip(venv: Path, *args, **kwargs) -> subprocess.CompletedProcess:
    env = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore", **kwargs.pop("env", {})}
    return run(venv / "bin" / "pip", *args, "--no-index", "--find-links", WHEELHOUSE, env=env, **kwargs)


# Both pip builds: scikit-build-core's persistent build folder, two compile jobs.
BUILD_SETTINGS = (f"--config-settings=build-dir={PIP_BUILD_DIR}",)
BUILD_ENV = {"CMAKE_BUILD_PARALLEL_LEVEL": "2"}


@pytest.fixture(scope="module", autouse=True)
def temporary_files_in_basetemp(tmp_path_factory):
    """pip's build environments and auditwheel's scratch folders go under
    the suite's --basetemp (TMPDIR), not into the system's temporary
    directory, even when a step is killed."""
    tmp = tmp_path_factory.mktemp("tmp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(tmp))
        yield


@pytest.fixture(scope="module")
def wheelhouse_ready():
    assert (WHEELHOUSE / ".barforge-lock-stamp").exists(), f"no {WHEELHOUSE}: run make deps"


@pytest.fixture(scope="module")
def repaired_wheel(wheelhouse_ready, tmp_path_factory) -> Path:
    """`pip wheel <clone>` and `auditwheel repair`, in a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    venv = fresh_venv(tmp / "venv")
    pip(venv, "wheel", "--no-deps", "-w", tmp / "dist", *BUILD_SETTINGS, SOURCE_DIR, env=BUILD_ENV)
    built = glob.glob(str(tmp / "dist" / "barforge-*.whl"))
    assert len(built) == 1, built
    run(sys.executable, "-m", "auditwheel", "repair", "-w", tmp / "repaired", built[0],
        env={"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    repaired = glob.glob(str(tmp / "repaired" / "barforge-*.whl"))
    assert len(repaired) == 1, repaired
    return Path(repaired[0])


@pytest.fixture(scope="module")
def wheel_venv(repaired_wheel, tmp_path_factory) -> Path:
    """A fresh venv with the repaired wheel and its dependencies."""
    venv = fresh_venv(tmp_path_factory.mktemp("wheel_venv") / "venv")
    pip(venv, "install", "--quiet", repaired_wheel)
    return venv


@pytest.fixture(scope="module")
def clone_venv(repaired_wheel, tmp_path_factory) -> Path:
    """A fresh venv where `pip install <clone>` built barforge (after the
    wheel, so that it reuses the wheel's compiled library)."""
    venv = fresh_venv(tmp_path_factory.mktemp("clone_venv") / "venv")
    pip(venv, "install", "--quiet", *BUILD_SETTINGS, SOURCE_DIR, env=BUILD_ENV)
    return venv


def site_packages(venv: Path) -> Path:
    found = glob.glob(str(venv / "lib" / "python3.*" / "site-packages"))
    assert len(found) == 1, found
    return Path(found[0])


def test_repaired_wheel_has_a_manylinux_tag_and_carries_its_libraries(repaired_wheel):
    assert "manylinux" in repaired_wheel.name, repaired_wheel.name
    shown = " ".join(run(sys.executable, "-m", "auditwheel", "show", repaired_wheel).stdout.split())
    tag = repaired_wheel.name.rsplit("-", 1)[1].removesuffix(".whl")
    assert f'is consistent with the following platform tag: "{tag}"' in shown, shown
    names = zipfile.ZipFile(repaired_wheel).namelist()
    for library in CARRIED:
        assert any(n.startswith(f"barforge.libs/{library}-") for n in names), (library, names)
    for name in ("barforge.scripts/barforge", "barforge/py.typed", "barforge/_core.pyi"):
        assert name in names, name


def loaded_libraries(binary: Path) -> list[tuple[str, str]]:
    """(soname, resolved path) of every library `ldd` loads for a binary."""
    out = []
    for line in run("ldd", binary).stdout.splitlines():
        line = line.strip()
        assert "not found" not in line, f"{binary}: {line}"
        name, _, rest = line.partition(" => ")
        path = rest.split(" (")[0].strip() if rest else name.split()[0]
        out.append((name.split()[0], os.path.realpath(path) if path.startswith("/") else path))
    return out


def test_repaired_wheel_loads_nothing_outside_itself_but_the_policys_base_libraries(repaired_wheel, wheel_venv):
    system = policy_libraries(repaired_wheel)
    assert "libc.so.6" in system and "libyaml-cpp.so.0.7" not in system, system
    site = site_packages(wheel_venv)
    core = glob.glob(str(site / "barforge" / "_core*.so"))
    cli = glob.glob(str(site / "barforge.scripts" / "barforge")) or glob.glob(str(wheel_venv / "bin" / "barforge"))
    assert len(core) == 1 and len(cli) == 1, (core, cli)
    for binary in (Path(core[0]), Path(cli[0])):
        libraries = loaded_libraries(binary)
        names = [name for name, _ in libraries]
        for library in CARRIED:
            assert any(name.startswith(library) for name in names), (binary, library, names)
        for name, path in libraries:
            inside = path.startswith(os.path.realpath(site / "barforge.libs") + "/")
            assert inside or name in system, f"{binary} loads {name} from {path}, outside the wheel and the policy"
            if name.startswith(CARRIED):
                assert inside, f"{binary} loads {name} from {path}, not the wheel's copy"


def reference_call(venv: Path, tmp: Path) -> str:
    """The reference pipeline's call, in the venv's interpreter, from a
    folder that holds no barforge."""
    with open(SOURCE_DIR / "config" / "default.yaml") as f:
        cfg = yaml.safe_load(f)
    cfg.update({"data_dir": str(tmp / "data"), "tickers": ["AAA"], "window": 8, "horizon": 2, "n_jobs": 1})
    cfg["synthetic"]["n_bars"] = 1500
    (tmp / "c.yaml").write_text(yaml.safe_dump(cfg))
    script = """
import sys, yaml, numpy, barforge
cfg = yaml.safe_load(open(sys.argv[1]))
path = barforge.build_dataset(cfg=cfg, n_samples=500, seed=42, overwrite=False)
again = barforge.build_dataset(cfg=cfg, n_samples=500, seed=42, overwrite=False)
ds = barforge.open_dataset(path)
ohlc = ds.read()["ohlc"]
print(numpy.__version__, barforge.__file__, path.name, again == path, ds.num_rows, ohlc.shape, ohlc.dtype)
"""
    return run(venv / "bin" / "python", "-c", script, tmp / "c.yaml", cwd=tmp).stdout.splitlines()[-1]


def check_install(venv: Path, tmp: Path):
    numpy_version, module, rest = reference_call(venv, tmp).split(" ", 2)
    assert numpy_version.startswith("2."), numpy_version
    assert module.startswith(str(site_packages(venv) / "barforge")), module
    assert rest == "samples_500.parquet True 500 (500, 8, 4) float32", rest
    # `barforge` from the venv's PATH, as after `source venv/bin/activate`.
    path_env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    which = run("sh", "-c", "command -v barforge", env=path_env).stdout.strip()
    assert which == str(venv / "bin" / "barforge"), which
    help_text = run("barforge", "build", "--help", env=path_env, cwd=tmp).stdout
    assert "--config" in help_text, help_text
    version = run(venv / "bin" / "python", "-c", "import barforge; print(barforge.__version__)").stdout.strip()
    assert run("barforge", "--version", env=path_env, cwd=tmp).stdout.strip().endswith(version)
    run("barforge", "validate", tmp / "data" / "samples_500.parquet", env=path_env, cwd=tmp)


def test_pip_install_of_the_clone_builds_installs_and_runs(clone_venv, tmp_path):
    check_install(clone_venv, tmp_path)


def test_repaired_wheel_installs_and_runs(wheel_venv, tmp_path):
    check_install(wheel_venv, tmp_path)


def test_repaired_wheel_runs_with_the_systems_copies_of_its_libraries_hidden(wheel_venv, tmp_path):
    """As on a machine without the libraries (and their -dev packages): in a
    mount namespace of its own (`unshare --mount`, as root), every system
    copy of a library the wheel carries is covered by an empty file, and the
    reference call and the CLI still run from the wheel's venv."""
    hidden = sorted({line.split(" => ")[1].strip() for line in run("ldconfig", "-p").stdout.splitlines()[1:]
                     if " => " in line and line.strip().startswith(CARRIED)})
    assert any("libyaml-cpp" in path for path in hidden) and any("libtbb" in path for path in hidden), hidden
    cover = " && ".join(f"mount --bind /dev/null '{path}'" for path in hidden)
    probe = f"{cover} && ! cat '{hidden[0]}' | grep -q . && exec \"$@\""
    script = """
import sys, yaml, barforge
cfg = yaml.safe_load(open(sys.argv[1]))
path = barforge.build_dataset(cfg=cfg, n_samples=300, seed=7, overwrite=False)
print(path.name, barforge.open_dataset(path).num_rows)
"""
    with open(SOURCE_DIR / "config" / "default.yaml") as f:
        cfg = yaml.safe_load(f)
    cfg.update({"data_dir": str(tmp_path / "data"), "tickers": ["AAA"], "window": 8, "horizon": 2, "n_jobs": 1})
    cfg["synthetic"]["n_bars"] = 1000
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    out = run("unshare", "--mount", "--propagation", "private", "sh", "-c", probe, "sh",
              wheel_venv / "bin" / "python", "-c", script, tmp_path / "c.yaml", cwd=tmp_path)
    assert out.stdout.splitlines()[-1] == "samples_300.parquet 300", out.stdout
    out = run("unshare", "--mount", "--propagation", "private", "sh", "-c", probe, "sh",
              wheel_venv / "bin" / "barforge", "validate", tmp_path / "data" / "samples_300.parquet", cwd=tmp_path)
    # The cover works: under it, the system's yaml-cpp cannot be loaded.
    yaml_cpp = next(path for path in hidden if "libyaml-cpp.so." in path)
    failed = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", probe, "sh",
                             "/usr/bin/python3", "-c", f"import ctypes; ctypes.CDLL({yaml_cpp!r})"],
                            capture_output=True, text=True)
    assert failed.returncode != 0 and "too short" in failed.stderr, (failed.stdout, failed.stderr)
