"""barforge: OHLCV bar series into machine-learning training datasets.

    import yaml, barforge
    cfg = yaml.safe_load(open("config/default.yaml"))
    path = barforge.build_dataset(cfg=cfg, n_samples=1_000_000, seed=42, overwrite=False)
    ds = barforge.open_dataset(path)
    for batch in ds.iter_batches(4096, shuffle=True, seed=0):
        ...  # batch["ohlc"]: float32 (n, W, 4), batch["rewards"]: (n, 3), ...

``barforge.torch.SampleDataset`` (needs torch) feeds a DataLoader;
``barforge.report`` draws a dataset on one HTML page (needs matplotlib).
Neither is imported here, so ``import barforge`` needs only numpy and PyYAML.
"""

from barforge._supported import check_environment as _check_environment

_check_environment()  # an interpreter or numpy this build does not support: ImportError naming the supported ones

from barforge._core import ConfigError, DataError, ParquetError, __version__  # noqa: E402
from barforge._build import build_dataset  # noqa: E402
from barforge._dataset import Dataset, open_dataset  # noqa: E402
from barforge._bars import BarsDataset  # noqa: E402
from barforge._transform import (CrossSectionTransform, MetaScaler, transform, transform_cross_section,  # noqa: E402
                                 transform_many)


def report(path, out="report.html", max_rows=20_000, seed=0):
    """Writes one self-contained HTML page drawing the dataset at `path`
    (figures listed in barforge._report); needs matplotlib."""
    from barforge._report import report as _report
    return _report(path, out, max_rows=max_rows, seed=seed)


__all__ = ["__version__", "build_dataset", "open_dataset", "Dataset", "BarsDataset", "report", "MetaScaler", "transform",
           "transform_many", "transform_cross_section", "CrossSectionTransform", "ConfigError", "DataError",
           "ParquetError"]
