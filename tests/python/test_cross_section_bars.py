"""A cross-sectional bars dataset (cross_section: true, storage: bars) from
Python: open_dataset gives the arrays of the windows file of the same config
((n, M, W, 4), (n, M, W), (n, M, 6), (n, M, 3), (n, M), present as numpy
bool), bit for bit, with and without splits and with min_present: 2;
iter_batches in file order and shuffled (every row once), and
barforge.torch.SampleDataset with 2 DataLoader workers yields every sample
once."""

import numpy as np
import pytest

import barforge
from cross_section_data import TICKERS, WINDOW, build, cross_config, write_raw

M = len(TICKERS)
SHAPES = {"ohlc": (M, WINDOW, 4), "volume": (M, WINDOW), "meta": (M, 6), "rewards": (M, 3), "fwd_return": (M,),
          "present": (M,), "bar_index": (M,)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cross_bars")
    write_raw(tmp / "data")
    out = {}
    for storage in ("windows", "bars"):
        out[storage] = build(cross_config(tmp / "data", storage=storage, min_present=2))
        split = build(cross_config(tmp / "data", storage=storage,
                                   splits=[{"name": "train", "end": 0.6, "n_samples": 300}, {"name": "test"}],
                                   samples_filename="split_{n}.parquet", scaler_filename="split_scaler.json"))
        out[storage + "_train"], out[storage + "_test"] = split["train"], split["test"]
    return out


def test_both_storages_give_the_same_arrays(built):
    assert str(built["bars"]).endswith(".bars.parquet")
    for key in ("", "_train", "_test"):
        windows = barforge.open_dataset(built["windows" + key])
        bars = barforge.open_dataset(built["bars" + key])
        assert isinstance(bars, barforge.BarsDataset), key
        assert bars.cross_section and bars.tickers == list(TICKERS) == windows.tickers
        assert bars.num_rows == windows.num_rows > 0, key
        assert bars.columns == windows.columns, key
        a, b = windows.read(), bars.read()
        n = bars.num_rows
        for name, shape in SHAPES.items():
            assert b[name].shape == (n,) + shape, (key, name)
        assert b["present"].dtype == np.bool_
        for name in a:
            assert b[name].dtype == a[name].dtype, (key, name)
            assert b[name].shape == a[name].shape, (key, name)
            assert b[name].tobytes() == a[name].tobytes(), (key, name)
        # Absent slots exist and hold zeros.
        assert (~b["present"]).any(), key
        assert not b["ohlc"][~b["present"]].any()
        # Shuffled and repeated ids read the same rows.
        ids = np.random.default_rng(4).permutation(n)[: n // 2].tolist() + [0, 0]
        some = bars.read_samples(ids, ["ohlc", "present", "tb_label"] if "tb_label" in a else ["ohlc", "present"])
        assert some["ohlc"].tobytes() == a["ohlc"][ids].tobytes()
        assert some["present"].tolist() == a["present"][ids].tolist()
    # min_present: 2 holds in every row.
    assert barforge.open_dataset(built["bars"]).read(["present"])["present"].sum(axis=1).min() >= 2


def test_iter_batches_in_order_and_shuffled(built):
    windows = barforge.open_dataset(built["windows"]).read()
    bars = barforge.open_dataset(built["bars"])
    for shuffle in (False, True):
        seen = []
        for batch in bars.iter_batches(128, shuffle=shuffle, seed=5):
            for name, shape in SHAPES.items():
                assert batch[name].shape[1:] == shape, name
            assert batch["present"].dtype == np.bool_
            ids = batch["sample_id"]
            for name in ("ohlc", "volume", "meta", "present", "bar_index", "rewards", "fwd_return"):
                assert batch[name].tobytes() == windows[name][ids].tobytes(), (shuffle, name)
            seen.extend(ids.tolist())
        if not shuffle:
            assert seen == list(range(bars.num_rows))
        assert sorted(seen) == list(range(bars.num_rows)), shuffle


def test_torch_dataloader_with_two_workers_yields_every_sample_once(built):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader

    from barforge.torch import SampleDataset

    windows = barforge.open_dataset(built["windows"]).read()
    samples = SampleDataset(built["bars"], batch_size=100, shuffle=True, seed=3)
    seen = []
    for batch in DataLoader(samples, batch_size=None, num_workers=2):
        assert tuple(batch["ohlc"].shape[1:]) == (M, WINDOW, 4)
        assert batch["present"].dtype == torch.bool and tuple(batch["present"].shape[1:]) == (M,)
        ids = batch["sample_id"].numpy()
        assert batch["ohlc"].numpy().tobytes() == windows["ohlc"][ids].tobytes()
        assert batch["present"].numpy().tolist() == windows["present"][ids].tolist()
        seen.extend(ids.tolist())
    assert sorted(seen) == list(range(len(windows["sample_id"])))
