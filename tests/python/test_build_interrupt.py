"""Ctrl-C during build_dataset: KeyboardInterrupt, and no file at the final name."""

import json
import signal
import subprocess
import sys
import time

from conftest import small_config

SCRIPT = """
import json, sys, barforge
try:
    barforge.build_dataset(json.loads(sys.argv[1]))
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


def start_mid_write(data):
    """A build_dataset process of a config big enough to be mid-write for a
    while (400,000 rows of window 64), returned once its dataset's temporary
    file exists (or it ended)."""
    cfg = small_config(data, window=64, n_samples=400_000, chunk_rows=50_000)
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, json.dumps(cfg)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(".tmp-" in p.name for p in data.glob("samples_*")):
            break
        time.sleep(0.005)
    return proc


def test_sigint_mid_build_raises_keyboard_interrupt_and_leaves_no_file(tmp_path):
    data = tmp_path / "data"
    proc = start_mid_write(data)
    assert proc.poll() is None, "the build finished before it could be interrupted; make it larger"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, (out, err)
    assert out.strip() == "KeyboardInterrupt"
    # Nothing but complete raw files (kept or not, as the build decides):
    # no dataset, no scaler, no temporary file.
    left = sorted(p.name for p in data.iterdir()) if data.exists() else []
    assert set(left) <= {"raw_AAA.parquet", "raw_BBB.parquet"}, left


def test_sigterm_mid_build_removes_the_temporaries(tmp_path):
    # SIGTERM (a job scheduler's stop, `kill`) ends the process as by default,
    # but only once the build's temporaries (dataset and raw files) are gone.
    data = tmp_path / "data"
    proc = start_mid_write(data)
    assert proc.poll() is None, "the build finished before it could be stopped; make it larger"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM, (out, err)
    left = sorted(p.name for p in data.iterdir()) if data.exists() else []
    assert [name for name in left if ".tmp-" in name] == [], left
    assert set(left) <= {"raw_AAA.parquet", "raw_BBB.parquet"}, left
