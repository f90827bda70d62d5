"""A cross-sectional dataset (cross_section: true) from Python: build_dataset
makes it; open_dataset gives (n, M, W, 4), (n, M, W), (n, M, 6), (n, M, 3),
(n, M) and present as numpy bool (n, M), views of the decoded buffers, equal
to what DuckDB reads from the same file; the metadata names the tickers;
iter_batches (file order, shuffled, ranks) and barforge.torch.SampleDataset
with 2 workers give every row once; barforge.report draws the presence; and
every present slice is, bit for bit, the serving transform
(transform_cross_section) of its ticker at the row's t and position with
the dataset's scaler: the inference parity of a cross-section."""

import re

import numpy as np
import pytest

import barforge
from conftest import dump_parquet
from cross_section_data import (HORIZON, TICKERS, WINDOW, build, cross_config, require_shapes, stamps_ns,
                                write_raw)

M = len(TICKERS)
SHAPES = {"ohlc": (M, WINDOW, 4), "volume": (M, WINDOW), "meta": (M, 6), "rewards": (M, 3), "fwd_return": (M,),
          "present": (M,), "bar_index": (M,)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cross")
    frames = write_raw(tmp / "data")
    drawn = build(cross_config(tmp / "data"))
    # One split of every valid t once (n_samples: all), with max_gap.
    every = build(cross_config(tmp / "data", splits=[{"name": "whole", "n_samples": "all"}],
                               samples_filename="every_{n}.parquet", scaler_filename="every_scaler.json",
                               max_gap="1m"))
    # A drawn training split and a test split of every valid t once.
    split = build(cross_config(tmp / "data", splits=[{"name": "train", "end": 0.6, "n_samples": 300},
                                                     {"name": "test"}],
                               samples_filename="split_{n}.parquet", scaler_filename="split_scaler.json"))
    return {"frames": frames, "drawn": drawn, "every": every["whole"], "train": split["train"],
            "test": split["test"]}


def positions_of(data: dict, scaler: dict) -> np.ndarray:
    """Each row's position, from the scaled meta of one of its present
    tickers (the position is one per row, shared by every ticker)."""
    first = np.argmax(data["present"], axis=1)
    scaled = data["meta"][np.arange(len(first)), first, 5].astype(np.float64)
    return np.rint(scaled * scaler["std"][5] + scaler["mean"][5]).astype(np.int64)


def test_arrays_have_the_cross_sections_shapes_without_a_copy(built):
    ds = barforge.open_dataset(built["drawn"])
    require_shapes(ds)
    assert ds.cross_section and ds.metadata["cross_section"] is True
    assert ds.tickers == TICKERS == ds.metadata["tickers"]
    assert ds.metadata["config"]["cross_section"] is True
    assert "ticker" not in ds.columns
    data = ds.read()
    n = ds.num_rows
    assert n == 500
    for name, shape in SHAPES.items():
        assert data[name].shape == (n,) + shape, name
    assert data["present"].dtype == np.bool_
    assert data["bar_index"].dtype == np.int64
    for name in ("ohlc", "volume", "meta", "rewards", "fwd_return"):
        assert data[name].dtype == np.float32, name
    assert data["timestamp"].dtype == np.dtype("datetime64[ns]") and data["timestamp"].shape == (n,)
    # Views of the decoded buffers: within one row group, nothing is copied.
    group = ds.read(["ohlc", "present", "meta"], 0, 150)
    for name, value in group.items():
        assert not value.flags.owndata and value.base is not None, name
        assert value.flags.c_contiguous, name
    # Absent slots hold zeros; every row has at least min_present (1) present.
    absent = ~data["present"]
    assert absent.any() and data["present"].all(axis=0).sum() < M
    for name in ("ohlc", "volume", "meta", "rewards", "fwd_return"):
        assert not data[name][absent].any(), name
    assert not data["bar_index"][absent].any()
    assert data["present"].sum(axis=1).min() >= 1


def test_values_equal_what_duckdb_reads(built):
    ds = barforge.open_dataset(built["drawn"])
    require_shapes(ds)
    data = ds.read()
    n = ds.num_rows
    duck = {c["name"]: c["values"] for c in dump_parquet("duckdb", built["drawn"])["columns"]}
    assert list(duck) == ds.columns
    assert [int(v) for v in duck["sample_id"]] == data["sample_id"].tolist()
    assert [int(v) for v in duck["timestamp"]] == data["timestamp"].view(np.int64).tolist()
    assert np.array(duck["present"], dtype=bool).reshape(n, M).tolist() == data["present"].tolist()
    assert np.array([[int(v) for v in row] for row in duck["bar_index"]]).tolist() == data["bar_index"].tolist()
    for name in ("ohlc", "volume", "meta", "rewards", "fwd_return"):
        theirs = np.array(duck[name], dtype=np.float32).reshape((n,) + SHAPES[name])
        assert theirs.tobytes() == data[name].tobytes(), name


def test_every_present_slice_is_the_serving_transform_bit_for_bit(built):
    """The inference parity of issue 25: a row's present slices are what
    transform_cross_section computes from the raw bars at the row's t."""
    for key in ("drawn", "every", "train", "test"):
        path = built[key]
        ds = barforge.open_dataset(path)
        require_shapes(ds)
        data = ds.read()
        cross = barforge.CrossSectionTransform.load(path)
        assert cross.tickers == TICKERS and cross.window == WINDOW
        assert cross.max_gap_ns == (60_000_000_000 if key == "every" else 0)
        positions = positions_of(data, ds.metadata["scaler"])
        stamps = data["timestamp"].view(np.int64)
        rows = range(0, ds.num_rows, 3) if key == "drawn" else range(ds.num_rows)
        checked = 0
        for r in rows:
            served = barforge.transform_cross_section(built["frames"], cross, int(stamps[r]), int(positions[r]))
            present = data["present"][r]
            # Serving has no horizon, splits or embargo: it finds every slot
            # the dataset has, and maybe more (a ticker's last H bars).
            assert (served["present"] | ~present).all(), (key, r, served["absent"])
            for k in np.flatnonzero(present):
                assert served["end"][k] == data["bar_index"][r, k], (key, r, k)
                for name in ("ohlc", "volume", "meta"):
                    assert served[name][k].tobytes() == data[name][r, k].tobytes(), (key, r, TICKERS[k], name)
                checked += 1
        assert checked > 300, key


def test_every_valid_t_once_and_the_absence_rules(built):
    ds = barforge.open_dataset(built["every"])
    require_shapes(ds)
    data = ds.read()
    stamps = data["timestamp"].view(np.int64)
    assert (np.diff(stamps) > 0).all()  # every valid t once, in time order
    frames = built["frames"]
    index = {t: {int(s): i for i, s in enumerate(stamps_ns(frames[t]))} for t in TICKERS}
    # The rows are exactly the timestamps where some ticker has a valid end
    # bar: its window and horizon inside its bars, no gap above a minute.
    valid_ts = set()
    for ticker in TICKERS:
        minutes = stamps_ns(frames[ticker]) // 60_000_000_000
        for e in range(WINDOW - 1, len(minutes) - HORIZON):
            if np.diff(minutes[e - WINDOW + 1:e + HORIZON + 1]).max() <= 1:
                valid_ts.add(int(minutes[e]) * 60_000_000_000)
    assert stamps.tolist() == sorted(valid_ts)
    for r in range(len(stamps)):
        for k, ticker in enumerate(TICKERS):
            e = index[ticker].get(int(stamps[r]))
            minutes = stamps_ns(frames[ticker]) // 60_000_000_000
            valid = (e is not None and WINDOW - 1 <= e <= len(minutes) - 1 - HORIZON
                     and np.diff(minutes[e - WINDOW + 1:e + HORIZON + 1]).max() <= 1)
            assert data["present"][r, k] == valid, (r, ticker)


def test_iter_batches_file_order_shuffled_and_ranks(built):
    ds = barforge.open_dataset(built["drawn"])
    require_shapes(ds)
    whole = ds.read()
    for shuffle in (False, True):
        seen = []
        for rank in range(3):
            for batch in ds.iter_batches(128, shuffle=shuffle, seed=5, rank=rank, world_size=3):
                for name, shape in SHAPES.items():
                    assert batch[name].shape[1:] == shape, name
                assert batch["present"].dtype == np.bool_
                ids = batch["sample_id"]
                for name in ("ohlc", "present", "bar_index", "rewards"):
                    assert batch[name].tobytes() == whole[name][ids].tobytes(), (shuffle, name)
                seen.extend(ids.tolist())
        assert sorted(seen) == list(range(ds.num_rows)), shuffle


def test_torch_dataloader_with_two_workers_yields_every_sample_once(built):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader

    from barforge.torch import SampleDataset

    ds = barforge.open_dataset(built["drawn"])
    require_shapes(ds)
    whole = ds.read()
    samples = SampleDataset(built["drawn"], batch_size=100, shuffle=True, seed=3)
    for epoch in range(2):
        samples.set_epoch(epoch)
        seen = []
        for batch in DataLoader(samples, batch_size=None, num_workers=2):
            assert tuple(batch["ohlc"].shape[1:]) == (M, WINDOW, 4)
            assert batch["present"].dtype == torch.bool and tuple(batch["present"].shape[1:]) == (M,)
            ids = batch["sample_id"].numpy()
            assert batch["ohlc"].numpy().tobytes() == whole["ohlc"][ids].tobytes()
            assert batch["present"].numpy().tolist() == whole["present"][ids].tolist()
            seen.extend(ids.tolist())
        assert sorted(seen) == list(range(ds.num_rows)), epoch
    # Resuming mid-epoch reads exactly the samples not seen yet.
    samples.set_epoch(7)
    loader = iter(DataLoader(samples, batch_size=None, num_workers=2))
    first = [next(loader)["sample_id"].numpy().tolist() for _ in range(5)]
    del loader
    state = samples.state_dict(batches_seen=5, num_workers=2)
    resumed = SampleDataset(built["drawn"], batch_size=100, shuffle=True, seed=3)
    resumed.load_state_dict(state)
    rest = [i for batch in DataLoader(resumed, batch_size=None, num_workers=2) for i in batch["sample_id"].tolist()]
    assert sorted(sum(first, []) + rest) == list(range(ds.num_rows))
    # One sample at a time (batch_size=None): the (M, ...) shapes without the batch axis.
    one = next(iter(SampleDataset(built["drawn"])))
    assert tuple(one["ohlc"].shape) == (M, WINDOW, 4) and tuple(one["present"].shape) == (M,)


def test_report_draws_the_presence(built, tmp_path):
    pytest.importorskip("matplotlib")
    ds = barforge.open_dataset(built["drawn"])
    require_shapes(ds)
    # The report reads the first, middle and last row groups (all their rows
    # with max_rows this large).
    groups = sorted({0, ds.num_row_groups // 2, ds.num_row_groups - 1})
    assert len(groups) == 3 < ds.num_row_groups
    reader = ds._reader
    present = np.concatenate([ds.read(["present"], reader.row_group_first_row(g),
                                      reader.row_group_first_row(g) + reader.row_group_rows(g))["present"]
                              for g in groups])
    page = barforge.report(built["drawn"], tmp_path / "r.html", max_rows=ds.num_rows).read_text()
    assert page.count("<img ") == 5
    for title in ("Presence", "Sample windows", "Meta features", "Returns and rewards", "Counts",
                  "Presence per ticker"):
        assert f"<h2>{title}</h2>" in page, title
    rows = re.findall(r"<tr><td>([A-Z]{3})</td><td>([\d,]+)</td><td>([\d.]+)%</td></tr>", page)
    assert [r[0] for r in rows] == TICKERS
    assert [int(r[1].replace(",", "")) for r in rows] == present.sum(axis=0).tolist()
    assert [float(r[2]) for r in rows] == pytest.approx((100 * present.mean(axis=0)).tolist(), abs=0.051)
    per_row = present.sum(axis=1)
    assert (f"present tickers per row</th><td>mean {per_row.mean():.2f}, min {per_row.min()}, max {per_row.max()}"
            in page)
    assert f"present (row, ticker) pairs in the sample</th><td>{int(present.sum()):,} " in page


def test_a_single_ticker_dataset_keeps_its_shapes(tmp_path):
    from conftest import small_config
    path = barforge.build_dataset(cfg=small_config(tmp_path / "data", n_samples=500))
    ds = barforge.open_dataset(path)
    assert ds.cross_section is False and ds.tickers is None and ds.metadata["tickers"] is None
    data = ds.read()
    assert data["ohlc"].shape == (500, 16, 4) and data["volume"].shape == (500, 16)
    assert data["meta"].shape == (500, 6) and data["rewards"].shape == (500, 3)
    assert data["fwd_return"].shape == (500,) and data["bar_index"].shape == (500,)
    assert data["ticker"].dtype == object
    # Serving a single-ticker dataset as a cross-section is refused, by name.
    with pytest.raises(barforge.DataError) as error:
        barforge.CrossSectionTransform.load(path)
    assert str(error.value) == (f"{path}: not a cross-sectional dataset (its config has cross_section: false): serve "
                                "it one ticker at a time (FeatureTransform)")
    scaler = tmp_path / "data" / "meta_scaler.json"
    with pytest.raises(barforge.DataError) as error:
        barforge.transform_cross_section({}, scaler, 0)
    assert str(error.value) == (f"{scaler}: not a dataset (a scaler JSON does not record a cross-section's tickers "
                                "and max_gap: give them with its scaler)")


def test_a_cross_section_in_parts_reads_and_serves_like_one_file(built, tmp_path):
    """Shards of one build (barforge build --shard r/R, then finalize): the
    directory reads as the one file does, and its scaler, tickers and
    max_gap serve from it."""
    from conftest import run_cli, write_config
    from cross_section_data import write_raw as write_raw_files

    write_raw_files(tmp_path / "data")
    cfg = cross_config(tmp_path / "data", samples_filename="parts_{n}")
    config = write_config(tmp_path / "c.yaml", cfg)
    for shard in ("0/2", "1/2"):
        result = run_cli("build", "--config", str(config), "--quiet", "--shard", shard)
        if result.returncode != 0 and "cross_section" in result.stderr:
            pytest.skip(f"cross-sectional builds in shards: {result.stderr.strip()}")
        assert result.returncode == 0, result.stderr
    result = run_cli("finalize", str(tmp_path / "data" / "parts_500"))
    assert result.returncode == 0, result.stderr
    parts = barforge.open_dataset(tmp_path / "data" / "parts_500")
    whole = barforge.open_dataset(built["drawn"])
    require_shapes(parts)
    assert len(parts.files) == 2 and parts.tickers == TICKERS
    mine, theirs = parts.read(), whole.read()
    for name in ("sample_id", "present", "bar_index", "ohlc", "volume", "meta", "rewards", "fwd_return"):
        assert mine[name].shape == theirs[name].shape and mine[name].tobytes() == theirs[name].tobytes(), name
    cross = barforge.CrossSectionTransform.load(tmp_path / "data" / "parts_500")
    assert cross.tickers == TICKERS
    r = int(np.argmax(mine["present"].sum(axis=1)))
    served = barforge.transform_cross_section(built["frames"], cross, mine["timestamp"][r],
                                              int(positions_of({k: mine[k][r:r + 1] for k in ("present", "meta")},
                                                               parts.metadata["scaler"])[0]))
    for k in np.flatnonzero(mine["present"][r]):
        assert served["ohlc"][k].tobytes() == mine["ohlc"][r, k].tobytes()
        assert served["meta"][k].tobytes() == mine["meta"][r, k].tobytes()
