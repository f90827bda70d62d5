"""barforge.report and python -m barforge report."""

import base64
import re
import subprocess
import sys

import pytest

import barforge
from conftest import run_cli, small_config, write_config


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    cfg = small_config(tmp / "data", n_samples=2000, chunk_rows=500)
    assert run_cli("build", "--config", str(write_config(tmp / "c.yaml", cfg)), "--quiet").returncode == 0
    return tmp / "data" / "samples_2K.parquet"


def test_report_page_holds_its_figures_and_no_external_url(dataset, tmp_path):
    out = barforge.report(dataset, tmp_path / "r.html", max_rows=800)
    assert out == tmp_path / "r.html"
    page = out.read_text()
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4
    for image in images:
        assert base64.b64decode(image)[:8] == b"\x89PNG\r\n\x1a\n"
    for title in ("Sample windows", "Meta features", "Returns and rewards", "Counts", "Meta scaler"):
        assert f"<h2>{title}</h2>" in page
    assert "rows in the sample</th><td>800<" in page
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)  # the page without its images
    assert not re.search(r"(https?:|ftp:|//[a-z])", text, re.I)
    assert "url(" not in text and "src=\"data:image/png" not in text
    assert "<script" not in page and "<link" not in page
    # Called twice in one process (the function, not a module attribute).
    assert barforge.report(dataset, tmp_path / "again.html", max_rows=100).exists()


def test_command_line_writes_the_page_and_reports_errors(dataset, tmp_path):
    out = tmp_path / "cli.html"
    done = subprocess.run([sys.executable, "-m", "barforge", "report", str(dataset), "-o", str(out), "--rows", "300"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}" and out.read_text().count("<img ") == 4
    missing = subprocess.run([sys.executable, "-m", "barforge", "report", str(tmp_path / "nope.parquet")],
                             capture_output=True, text=True)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"barforge: error: {tmp_path}/nope.parquet: dataset not found"


def test_scaler_table_and_feature_names_come_from_the_scaler(dataset, tmp_path):
    page = barforge.report(dataset, tmp_path / "r.html", max_rows=300).read_text()
    scaler = barforge.open_dataset(dataset).metadata["scaler"]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert [r[0] for r in rows] == scaler["features"] == [
        "ret_window", "volatility", "mean_range", "log_volume", "log_price", "position"]
    assert [float(r[1]) for r in rows] == pytest.approx(scaler["mean"], rel=1e-5)
    assert [float(r[2]) for r in rows] == pytest.approx(scaler["std"], rel=1e-5)
    assert "meta[" not in page


def test_every_chart_text_is_at_least_9_points_and_histograms_are_named(dataset, tmp_path, monkeypatch):
    import matplotlib.text
    from barforge import _report
    seen = []
    original = _report._figure_html

    def spy(fig, caption):
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
        seen.append((caption, min(t.get_fontsize() for t in texts), {t.get_text() for t in texts}))
        return original(fig, caption)

    monkeypatch.setattr(_report, "_figure_html", spy)
    _report.report(dataset, tmp_path / "r.html", max_rows=300)
    assert len(seen) == 4
    for caption, smallest, _ in seen:
        assert smallest >= 9, (caption, smallest)
    meta_titles = seen[1][2]
    for name in ("ret_window", "position"):
        assert f"{name} (raw)" in meta_titles and f"{name} (scaled)" in meta_titles
    assert not any(t.startswith("meta[") for t in meta_titles)


def test_distinct_windows_and_time_range_of_the_sample(tmp_path):
    # One row group: the report's sample is the whole file.
    cfg = small_config(tmp_path / "data", n_samples=3000, chunk_rows=5000)
    cfg["synthetic"]["n_bars"] = 1200
    assert run_cli("build", "--config", str(write_config(tmp_path / "c.yaml", cfg)), "--quiet").returncode == 0
    path = tmp_path / "data" / "samples_3K.parquet"
    page = barforge.report(path, tmp_path / "r.html", max_rows=100_000).read_text()
    rows = barforge.open_dataset(path).read(columns=["ticker", "bar_index", "timestamp"])
    windows = len(set(zip(rows["ticker"].astype(str).tolist(), rows["bar_index"].tolist())))
    assert 0 < windows < 2400  # 3,000 draws from 2 x (1200 - 16 - 4 + 1) windows repeat some
    assert f"distinct windows in the sample</th><td>{windows:,} ({3000 / windows:.2f} rows per window)<" in page
    first, last = (str(t.astype("datetime64[s]")).replace("T", " ") for t in (rows["timestamp"].min(), rows["timestamp"].max()))
    assert f"sample's end bars</th><td>{first} UTC to {last} UTC<" in page.replace("&#x27;", "'")
    assert "<th>split</th>" not in page


def test_a_split_file_says_which_split_and_its_time_range(tmp_path):
    cfg = small_config(tmp_path / "data", n_samples=600, chunk_rows=500,
                       samples_filename="s_{split}.parquet",
                       splits=[{"name": "train", "end": 0.5, "n_samples": 400},
                               {"name": "valid", "n_samples": 200}])
    done = run_cli("build", "--config", str(write_config(tmp_path / "c.yaml", cfg)), "--quiet")
    assert done.returncode == 0, done.stderr
    valid = tmp_path / "data" / "s_valid.parquet"
    start = barforge.open_dataset(valid).metadata["scaler"]["splits"][1]["start_ns"]
    start_text = str(__import__("numpy").datetime64(start, "ns").astype("datetime64[s]")).replace("T", " ")
    page = barforge.report(valid, tmp_path / "v.html", max_rows=100).read_text()
    assert "<th>split</th><td>valid (scaler fitted on train)</td>" in page
    assert f"[{start_text} UTC, open): every bar of a row" in page


def test_the_page_renders_in_headless_chromium(dataset, tmp_path):
    """The page as a browser shows it: Chromium (installed by
    scripts/install-deps.sh) loads it and draws every embedded chart."""
    import matplotlib.image
    import numpy as np
    page = barforge.report(dataset, tmp_path / "r.html", max_rows=300)
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,6000", f"--screenshot={shot}",
         page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (6000, 1400)
    # The charts' own colours: meta histograms (#457b9d, #e9c46a) and candles (#2a9d5c).
    for colour in ("#457b9d", "#e9c46a", "#2a9d5c"):
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        near = np.abs(pixels - rgb).max(axis=-1) < 0.03
        assert near.sum() > 500, colour
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0 and dom.stdout.count("<img ") == 4 and "<h2>Meta scaler</h2>" in dom.stdout
