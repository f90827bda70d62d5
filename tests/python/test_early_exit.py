"""A program that stops reading early exits cleanly (exit 0), whether it
closes the iterator, lets it be collected, or just exits with it unfinished:
the background reader of file-order batches is stopped and joined, never
killed inside the C++ decoder ("terminate called without an active
exception", exit 134)."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import run_cli, small_config, write_config

RUNS = 20


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    # Enough pieces of 16,384 rows that the reader is still decoding when the
    # program exits after its first batch.
    tmp = tmp_path_factory.mktemp("early_exit")
    cfg = small_config(tmp / "data", window=32, n_samples=120_000, chunk_rows=40_000)
    result = run_cli("build", "--config", str(write_config(tmp / "c.yaml", cfg)), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp / "data" / "samples_120K.parquet"


def run_many(script: str, *args: str, runs: int = RUNS) -> list[subprocess.CompletedProcess]:
    def one(_):
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(runs)))


def assert_all_clean(results, expected_stdout):
    codes = [r.returncode for r in results]
    assert codes == [0] * len(results), next(r.stderr for r in results if r.returncode != 0)
    assert all(r.stderr == "" for r in results), [r.stderr for r in results if r.stderr][0]
    assert all(r.stdout == expected_stdout for r in results), results[0].stdout


ONE_BATCH = """
import sys, barforge
batches = barforge.open_dataset(sys.argv[1]).iter_batches(4096)
batch = next(batches)
print(batch["ohlc"].shape, int(batch["sample_id"][0]))
{ending}
"""


def test_one_batch_then_exit_exits_zero_every_time(dataset):
    assert_all_clean(run_many(ONE_BATCH.format(ending=""), str(dataset)), "(4096, 32, 4) 0\n")


@pytest.mark.parametrize("ending", ["del batches", "batches.close()", "sys.exit(0)"])
def test_one_batch_then_collect_close_or_sys_exit_exits_zero(dataset, ending):
    assert_all_clean(run_many(ONE_BATCH.format(ending=ending), str(dataset), runs=5), "(4096, 32, 4) 0\n")


def test_closing_stops_the_reader_thread(dataset):
    script = """
import sys, threading, barforge
batches = barforge.open_dataset(sys.argv[1]).iter_batches(1000)
next(batches)
assert [t.name for t in threading.enumerate()].count("barforge-read") == 1
batches.close()
print(sorted(t.name for t in threading.enumerate()))
"""
    result = subprocess.run([sys.executable, "-c", script, str(dataset)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['MainThread']\n"


def test_breaking_out_of_a_sample_dataset_loop_exits_zero_every_time(dataset):
    pytest.importorskip("torch")
    script = """
import sys
from barforge.torch import SampleDataset
for i, sample in enumerate(SampleDataset(sys.argv[1])):
    if i == 10:
        break
seen = 0
for batch in SampleDataset(sys.argv[1], batch_size=512):
    seen += 1
    if seen == 2:
        break
print(i, seen)
"""
    assert_all_clean(run_many(script, str(dataset)), "10 2\n")
