"""barforge.report: one self-contained HTML page to look at a dataset.

    barforge.report("data/samples_1M.parquet", "report.html")
    python -m barforge report data/samples_1M.parquet -o report.html

The page embeds its figures (PNG, base64) and needs no network to be
viewed. It reads a bounded sample of rows (from up to three row groups
spread over the file), so it takes seconds whatever the dataset's size;
every figure says how many rows it shows. Needs matplotlib.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from barforge._dataset import open_dataset

_ACTIONS = ("-1 (short)", "0 (flat)", "+1 (long)")

# Chart text sizes, in points at the page's 100 dpi: titles 11, axes 10,
# ticks 9. Below 9 pt the labels of a figure scaled to the page width are
# hard to read.
_STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "xtick.labelsize": 9,
          "ytick.labelsize": 9, "figure.titlesize": 12, "legend.fontsize": 9}


def _feature_names(scaler: dict, count: int) -> list[str]:
    """The scaler's feature names ('features'; 'names' in hand-made files),
    padded with meta[i] where the scaler names fewer than `count`."""
    names = list(scaler.get("features") or scaler.get("names") or [])
    return [str(names[i]) if i < len(names) else f"meta[{i}]" for i in range(count)]


def _time_text(ns) -> str:
    if ns is None:
        return "open"
    return str(np.datetime64(int(ns), "ns").astype("datetime64[s]")).replace("T", " ") + " UTC"


def _few_ticks(ax, x: int = 4, y: int = 4) -> None:
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(nbins=x))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=y))


def _figure_html(fig, caption: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    import matplotlib.pyplot as plt
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _sample(ds, max_rows: int, seed: int) -> dict[str, np.ndarray]:
    """Up to max_rows rows drawn from up to three row groups (first, middle,
    last), in sample_id order."""
    groups = sorted({0, ds.num_row_groups // 2, ds.num_row_groups - 1}) if ds.num_row_groups else []
    rng = np.random.default_rng(seed)
    pieces = []
    for k, group in enumerate(groups):
        per_group = max_rows // len(groups) + (1 if k < max_rows % len(groups) else 0)
        first = ds._reader.row_group_first_row(group)
        rows = ds._reader.row_group_rows(group)
        data = ds.read(start=first, stop=first + rows)
        keep = np.sort(rng.choice(rows, size=min(rows, per_group), replace=False))
        pieces.append({k: v[keep] for k, v in data.items()})
        del data
    if not pieces:
        return {}
    return {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}


def _present_pairs(sample: dict[str, np.ndarray], tickers: list[str]) -> dict[str, np.ndarray]:
    """A cross-section's sample as the rows of its present (row, ticker)
    pairs, shaped as a single-ticker dataset's rows (each a window of its
    own), for the figures of every dataset."""
    rows, slots = np.nonzero(sample["present"])
    pairs = {"sample_id": sample["sample_id"][rows], "timestamp": sample["timestamp"][rows],
             "ticker": np.array(tickers, dtype=object)[slots]}
    for name, value in sample.items():
        if name not in pairs and name != "present" and value.ndim >= 2:
            pairs[name] = value[rows, slots]
    return pairs


def _cross_section_figure(plt, present: np.ndarray, tickers: list[str], min_present: int) -> str:
    """Each ticker's present rate, and the number of present tickers per row."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 4))
    rate = present.mean(axis=0) if len(present) else np.zeros(len(tickers))
    axes[0].bar(np.arange(len(tickers)), rate, color="#457b9d")
    axes[0].set_ylim(0, 1.05)
    axes[0].set_title("present rate per ticker (share of the sampled rows)")
    step = max(1, -(-len(tickers) // 12))  # every k-th name, so that labels do not overlap
    axes[0].set_xticks(np.arange(0, len(tickers), step), tickers[::step])
    axes[0].tick_params(axis="x", labelrotation=45 if len(tickers) > 6 else 0)
    rows_with = np.bincount(present.sum(axis=1), minlength=len(tickers) + 1)
    axes[1].bar(np.arange(len(tickers) + 1), rows_with, color="#2a9d5c", width=0.8)
    axes[1].axvline(min_present - 0.5, color="k", linestyle="--", linewidth=0.8)
    axes[1].set_title(f"rows by present tickers (min_present {min_present} dashed)")
    from matplotlib.ticker import MaxNLocator
    axes[1].xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    axes[1].yaxis.set_major_locator(MaxNLocator(nbins=4))
    fig.tight_layout()
    return _figure_html(fig, f"presence over {len(present)} rows of {len(tickers)} tickers")


def _candles(ax, ohlc: np.ndarray) -> None:
    x = np.arange(len(ohlc))
    o, h, l, c = ohlc[:, 0], ohlc[:, 1], ohlc[:, 2], ohlc[:, 3]
    up = c >= o
    ax.vlines(x, l, h, color="0.3", linewidth=0.6)
    ax.bar(x[up], (c - o)[up], bottom=o[up], color="#2a9d5c", width=0.7)
    ax.bar(x[~up], (o - c)[~up], bottom=c[~up], color="#d1495b", width=0.7)
    ax.set_xlim(-1, len(ohlc))
    _few_ticks(ax, 4, 3)


def report(path: str | Path, out: str | Path = "report.html", max_rows: int = 20_000, seed: int = 0) -> Path:
    """Writes the HTML report of the dataset at `path` to `out`; returns `out`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        return _write_report(path, out, max_rows, seed, plt)


def _write_report(path, out, max_rows: int, seed: int, plt) -> Path:
    ds = open_dataset(path)
    meta_info = ds.metadata
    cfg, scaler = meta_info["config"], meta_info["scaler"] or {}
    sample = _sample(ds, max_rows, seed)
    rows_sampled = len(sample.get("sample_id", []))
    tickers = ds.tickers if meta_info.get("cross_section") else None
    sections = []
    presence = None
    if tickers is not None and rows_sampled:
        # A cross-section: its presence first; the figures below show its
        # present (row, ticker) pairs, each a window as in any dataset.
        presence = sample["present"]
        sections.append(("Presence", _cross_section_figure(plt, presence, tickers, int(cfg.get("min_present", 1)))))
        sample = _present_pairs(sample, tickers)
    n = len(sample.get("sample_id", []))
    n_meta = sample["meta"].shape[1] if n else len(scaler.get("mean", []))
    names = _feature_names(scaler, n_meta)

    if n:
        # Sample windows: candlesticks over volume, with position and rewards.
        picks = np.random.default_rng(seed + 1).choice(n, size=min(9, n), replace=False)
        mean = np.array(scaler.get("mean", [0.0] * n_meta))
        std = np.array(scaler.get("std", [1.0] * n_meta))
        raw_meta = sample["meta"].astype(np.float64) * std + mean
        position_index = names.index("position") if "position" in names else 5
        fig = plt.figure(figsize=(13, 12))
        grid = fig.add_gridspec(6, 3, height_ratios=[3, 1] * 3, hspace=0.75, wspace=0.25)
        for k, i in enumerate(picks):
            row, col = divmod(k, 3)
            top = fig.add_subplot(grid[2 * row, col])
            bottom = fig.add_subplot(grid[2 * row + 1, col], sharex=top)
            _candles(top, sample["ohlc"][i])
            bottom.bar(np.arange(sample["volume"].shape[1]), sample["volume"][i], color="0.5", width=0.7)
            _few_ticks(bottom, 4, 2)
            top.tick_params(labelbottom=False)
            rewards = ", ".join(f"{r:+.4f}" for r in sample["rewards"][i])
            position = int(round(raw_meta[i, position_index]))
            top.set_title(f"#{sample['sample_id'][i]} {sample['ticker'][i]} "
                          f"{np.datetime_as_string(sample['timestamp'][i], unit='m')}\n"
                          f"position {position:+d}, rewards [{rewards}]", fontsize=9)
        fig.suptitle("Sample windows: ln(price / last close) as candlesticks, scaled volume below")
        sections.append(("Sample windows", _figure_html(fig, f"{len(picks)} windows drawn from the sample")))

        # Meta features, raw and scaled, with the scaler's mean and std.
        columns = 3
        rows = -(-n_meta // columns)
        fig, axes = plt.subplots(2 * rows, columns, figsize=(14, 3.2 * 2 * rows), squeeze=False)
        for f in range(n_meta):
            name = names[f]
            block, col = divmod(f, columns)
            ax = axes[2 * block, col]
            ax.hist(raw_meta[:, f], bins=50, histtype="stepfilled", color="#457b9d")
            ax.axvline(mean[f], color="k", linewidth=1)
            ax.axvline(mean[f] - std[f], color="k", linestyle="--", linewidth=0.8)
            ax.axvline(mean[f] + std[f], color="k", linestyle="--", linewidth=0.8)
            ax.set_title(f"{name} (raw)")
            _few_ticks(ax)
            ax = axes[2 * block + 1, col]
            ax.hist(sample["meta"][:, f], bins=50, histtype="stepfilled", color="#e9c46a")
            for x, style in ((0, "-"), (-1, "--"), (1, "--")):
                ax.axvline(x, color="k", linestyle=style, linewidth=0.8)
            ax.set_title(f"{name} (scaled)")
            _few_ticks(ax)
        for f in range(n_meta, rows * columns):
            block, col = divmod(f, columns)
            axes[2 * block, col].set_visible(False)
            axes[2 * block + 1, col].set_visible(False)
        fig.tight_layout()
        sections.append(("Meta features", _figure_html(
            fig, f"meta features of {n} rows: raw (top, scaler mean solid, mean ± std dashed) and as stored (bottom)")))

        # Forward return and rewards per action.
        fig, axes = plt.subplots(2, 2, figsize=(13, 7))
        axes = axes.ravel()
        axes[0].hist(sample["fwd_return"], bins=60, histtype="stepfilled", color="#264653")
        axes[0].set_title("fwd_return")
        for a in range(3):
            axes[a + 1].hist(sample["rewards"][:, a], bins=60, histtype="stepfilled", color=("#d1495b", "0.5", "#2a9d5c")[a])
            axes[a + 1].set_title(f"reward of action {_ACTIONS[a]}")
        for ax in axes:
            _few_ticks(ax, 5, 4)
        fig.tight_layout()
        sections.append(("Returns and rewards", _figure_html(fig, f"distributions over {n} rows")))

        # Counts per ticker and over time.
        fig, axes = plt.subplots(1, 2, figsize=(14, 4))
        counted, counts = np.unique(sample["ticker"].astype(str), return_counts=True)
        axes[0].bar(counted, counts, color="#457b9d")
        axes[0].set_title("samples per ticker" if tickers is None else "present pairs per ticker")
        if len(counted) > 12:  # every k-th name, so that labels do not overlap
            step = -(-len(counted) // 12)
            axes[0].set_xticks(np.arange(0, len(counted), step), counted[::step])
        axes[0].tick_params(axis="x", labelrotation=45 if len(counted) > 6 else 0)
        times = sample["timestamp"].astype("datetime64[s]").astype(object)
        axes[1].hist(times, bins=50, histtype="stepfilled", color="#2a9d5c")
        axes[1].set_title("samples over time (timestamp of the last bar)")
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        locator = AutoDateLocator(minticks=3, maxticks=7)
        axes[1].xaxis.set_major_locator(locator)
        axes[1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
        fig.tight_layout()
        sections.append(("Counts", _figure_html(fig, f"counts in the sample of {n} rows" if tickers is None else
                                                f"counts of the {n} present pairs of the sample")))

    presence_rows = ""
    if presence is not None:
        rate = presence.mean(axis=0)
        presence_rows = "".join(
            f"<tr><td>{html.escape(str(t))}</td><td>{int(c):,}</td><td>{r:.1%}</td></tr>"
            for t, c, r in zip(tickers, presence.sum(axis=0), rate))
    scaler_rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{m:.6g}</td><td>{s:.6g}</td></tr>"
        for name, m, s in zip(names, scaler.get("mean", []), scaler.get("std", [])))
    facts = [("file", str(ds.path)), ("rows", f"{ds.num_rows:,}"), ("row groups", str(ds.num_row_groups))]
    split = meta_info["key_value"].get("barforge.split")
    if split:
        plan = {p.get("name"): p for p in scaler.get("splits", [])}.get(split, {})
        facts.append(("split", f"{split} (scaler fitted on {scaler.get('fitted_on', '?')})"))
        facts.append(("split's time range", f"[{_time_text(plan.get('start_ns'))}, {_time_text(plan.get('end_ns'))}):"
                      " every bar of a row's window and horizon lies in it"))
    facts.append(("rows in the sample", f"{rows_sampled:,}"))
    if tickers is not None:
        facts.append(("cross-section", f"{len(tickers)} tickers per row, min_present {cfg.get('min_present', 1)}"))
        if presence is not None:
            per_row = presence.sum(axis=1)
            facts.append(("present tickers per row", f"mean {per_row.mean():.2f}, min {per_row.min()}, "
                          f"max {per_row.max()}; all {len(tickers)} in {(per_row == len(tickers)).mean():.1%} "
                          "of the rows"))
            facts.append(("present (row, ticker) pairs in the sample", f"{n:,} (the figures below show them)"))
    if n:
        # A window is a (ticker, end bar) pair; rows drawn with replacement
        # repeat windows, each row with its own position.
        windows = len(set(zip(sample["ticker"].astype(str).tolist(), sample["bar_index"].tolist())))
        facts.append(("distinct windows in the sample", f"{windows:,} ({n / windows:.2f} rows per window)"))
        first, last = sample["timestamp"].min(), sample["timestamp"].max()
        facts.append(("sample's end bars", f"{_time_text(first.astype('datetime64[ns]').astype(np.int64))} to "
                      f"{_time_text(last.astype('datetime64[ns]').astype(np.int64))}"))
    facts += [("window / horizon", f"{cfg.get('window')} / {cfg.get('horizon')}"),
              ("tickers", ", ".join(map(str, cfg.get("tickers", [])))), ("seed", str(meta_info.get("seed"))),
              ("codec", str(cfg.get("parquet_compression"))), ("barforge", str(meta_info.get("version")))]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    page = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>barforge dataset {html.escape(ds.path.name)}</title>",
            "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
            "table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}"
            "img{max-width:100%}figcaption{color:#555;font-size:90%}</style></head><body>",
            f"<h1>{html.escape(ds.path.name)}</h1><table>{body}</table>",
            f"<h2>Meta scaler</h2><table><tr><th>feature</th><th>mean</th><th>std</th></tr>{scaler_rows}</table>"]
    if presence_rows:
        page.append("<h2>Presence per ticker</h2><table><tr><th>ticker</th><th>present rows</th><th>rate</th></tr>"
                    f"{presence_rows}</table>")
    for title, figure in sections:
        page.append(f"<h2>{html.escape(title)}</h2>{figure}")
    page.append("</body></html>\n")
    out = Path(out)
    out.write_text("".join(page), encoding="utf-8")
    return out
