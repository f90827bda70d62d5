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
