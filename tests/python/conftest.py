"""Shared fixtures of the Python package's tests (run by CTest with the
project's .venv python; PYTHONPATH points at the build's staged package)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SOURCE_DIR = Path(__file__).resolve().parents[2]
BINARY_DIR = Path(os.environ.get("BARFORGE_BINARY_DIR", SOURCE_DIR / "build"))
TOOLS_DIR = Path(os.environ.get("BARFORGE_TOOLS_DIR", SOURCE_DIR / "tools"))
CLI = BINARY_DIR / "barforge"


def small_config(data_dir: Path, **changes) -> dict:
    """config/default.yaml as yaml.safe_load gives it, made small: a few
    thousand samples of window 16 over two short synthetic tickers."""
    with open(SOURCE_DIR / "config" / "default.yaml") as f:
        cfg = yaml.safe_load(f)
    cfg.update({
        "data_dir": str(data_dir),
        "tickers": ["AAA", "BBB"],
        "window": 16,
        "horizon": 4,
        "n_samples": 3000,
        "chunk_rows": 700,
        "n_jobs": 2,
    })
    cfg["synthetic"]["n_bars"] = 4000
    cfg.update(changes)
    return cfg


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], cwd=cwd, capture_output=True, text=True)


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def dump_parquet(reader: str, path: Path) -> dict:
    """An independent reader's view of a file (tools/dump_parquet.mjs)."""
    import json
    out = subprocess.run(["node", str(TOOLS_DIR / "dump_parquet.mjs"), reader, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def python_exe() -> str:
    return sys.executable
