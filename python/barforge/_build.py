"""build_dataset: the CLI's `barforge build` as a Python call."""

from __future__ import annotations

import datetime
import os
import threading
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml

from barforge import _core


def _yaml_ready(value: Any) -> Any:
    """What yaml.safe_load gives, made exact for the C++ loader: an unquoted
    timestamp (`start: 2020-01-01T00:00:00Z`) loads as a datetime and goes
    back as ISO 8601 text. numpy scalars and arrays become Python numbers and
    lists (the YAML emitter knows neither), paths and bytes (os.fsdecode, as
    Python's own path functions decode them) become text."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return _yaml_ready(value.tolist())
    if isinstance(value, (bytes, os.PathLike)):
        return os.fsdecode(value)
    if isinstance(value, Mapping):
        return {str(k): _yaml_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yaml_ready(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        text = value.astimezone(datetime.timezone.utc).isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat() + "T00:00:00Z"
    return value


def config_text(cfg: Mapping[str, Any], **overrides: Any) -> str:
    """The config dict (as yaml.safe_load gives it) plus keyword overrides
    that are not None, as the YAML text the C++ loader validates."""
    if cfg is None:
        # Not the defaults: a forgotten config would build 1,000,000 samples.
        raise TypeError("cfg is None: pass the config as a dict (yaml.safe_load of a config file such as "
                        "config/default.yaml; {} for every default)")
    if not isinstance(cfg, Mapping):
        raise TypeError(f"cfg must be a dict of config keys (as yaml.safe_load gives it), not {type(cfg).__name__}")
    merged = dict(_yaml_ready(cfg))
    for key, value in overrides.items():
        if value is not None:
            merged[key] = _yaml_ready(value)
    return yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)


def run_cancellable(function, *args):
    """Runs `function(*args, token)` (a C++ call that releases the GIL) on a
    thread, so that Ctrl-C reaches this thread at once: it cancels the token,
    waits for the C++ side to stop cleanly (temporary files removed), and
    raises KeyboardInterrupt."""
    token = _core.CancelToken()
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = function(*args, token)
        except BaseException as error:  # re-raised on the caller's thread
            outcome["error"] = error
        finally:
            done.set()

    # Waiting on an Event, not Thread.join: a join interrupted by Ctrl-C may
    # afterwards return while the thread still runs (CPython < 3.13).
    threading.Thread(target=target, name="barforge-build", daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        token.cancel()
        while True:
            try:
                done.wait()
                break
            except KeyboardInterrupt:  # a second Ctrl-C: still let the build clean up
                continue
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def build_dataset(cfg: Mapping[str, Any], n_samples: int | None = None, seed: int | None = None,
                  overwrite: bool = False) -> Path | dict[str, Path]:
    """Builds the dataset of `cfg` (a dict as yaml.safe_load gives for a
    config file; n_samples and seed, when given, replace its keys) and returns
    its path, as `barforge build` does; with `splits`, a dict of split name
    to path, in the config's order.

    With overwrite=False, existing raw data is reused, and an existing dataset
    built from the same effective config is returned without rebuilding; one
    built from another config raises FileExistsError, and so does a scaler
    file that another existing dataset in the folder holds, or a file at the
    scaler path that is not a barforge scaler (give each dataset its own:
    scaler_filename "meta_scaler_{n}.json"). A kept synthetic dataset whose
    raw files were regenerated since raises barforge.DataError. overwrite=True
    rebuilds (and regenerates synthetic raw data), like `barforge build
    --overwrite`. Prints the stage times as the CLI does; the build's warnings
    (more samples than valid windows) are UserWarnings. Ctrl-C stops the
    build within a second with KeyboardInterrupt and leaves no file at the
    final name; SIGTERM, SIGHUP and SIGQUIT (left at their default action)
    end the process once the build's temporary files are removed.

    Errors carry the CLI's one-line message: barforge.ConfigError (a
    ValueError) for a bad config key, barforge.DataError / ParquetError
    (ValueErrors) for invalid data, FileNotFoundError for a missing input,
    FileExistsError, OSError for other system failures.
    """
    text = config_text(cfg, n_samples=n_samples, seed=seed)
    # The library decides (reuse, refuse, rebuild) and words the summary.
    summary = run_cancellable(_core.build, text, bool(overwrite))
    print(summary["text"], end="", flush=True)  # the CLI's summary
    for warning in summary.get("warnings", []):  # e.g. more samples than valid windows
        warnings.warn(warning, UserWarning, stacklevel=2)
    files = summary["files"]
    if files[0][0]:  # named: the files of splits
        return {name: Path(path) for name, path in files}
    return Path(files[0][1])
