"""index.html in a real browser: headless Chromium (Debian's ``chromium`` package) from the command line.

No Selenium or WebDriver: Chromium's own switches do everything needed.
- ``--screenshot`` renders the page and saves a PNG (checked to be a real, non-blank image);
- ``--dump-dom`` prints the DOM after load (the key sections and anchors must be in it);
- ``--log-net-log`` records every network request. Requests made *for the page* carry the page's
  file:// isolation key or a "null" initiator; Chromium's own background traffic (component
  updates, time sync) carries neither. A control page with an image and a stylesheet on the
  network proves that the check sees page requests.

Set ``MIGRATE_KEEP_SCREENSHOTS=DIR`` to keep the screenshots for a look.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from migrate.report import write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does)"
)

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]


def chromium(page: Path, tmp: Path, *extra: str, timeout: int = 60) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"  # a new profile for every run
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def page_requests(net_log: Path) -> list[str]:
    """URLs of the requests the page made (see the module docstring)."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] == start_job and (
            "file://" in str(params.get("network_isolation_key", "")) or params.get("initiator") in ("null", "file://")
        ):
            urls.append(params["url"])
    return urls


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and how many distinct byte triples the first rows hold (8-bit RGB/RGBA PNGs).

    The bytes are the PNG's filtered rows, not pixels: a blank page gives nearly one value, a drawn
    page many; that is all this needs to tell.
    """
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    channels = {2: 3, 6: 4}[colour_type]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels + 1
    pixels = set()
    for row in range(min(height, 400)):
        line = raw[row * stride + 1:(row + 1) * stride]
        pixels.update(line[i:i + 3] for i in range(0, len(line), channels * 7))
    return width, height, len(pixels)


@pytest.fixture
def index(report, tmp_path) -> Path:
    return Path(write(report, tmp_path / "report")["HTML"])


def test_page_loads_with_its_sections_and_anchors(index, report, tmp_path):
    result = chromium(index, tmp_path, "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no script error, no "Refused to load ..." from the CSP
    dom = result.stdout
    assert "<title>Sample project</title>" in dom
    for section in ("summary", "matrix", "by-api", "targets", "files", "environment", "readiness-formula"):
        assert f'id="{section}"' in dom, section
    for anchor in [t.anchor for t in report.targets] + [f.anchor for f in report.files]:
        assert f'id="{anchor}"' in dom, anchor
    assert dom.count("<svg") >= 2 + len(report.targets)  # two summary bars, a latency chart per target


def test_screenshot_is_drawn(index, tmp_path):
    shot = tmp_path / "summary.png"
    result = chromium(index, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1280, 1600)
    assert colours > 20, "the screenshot is (nearly) blank"
    # one target section alone: the same file with a style that hides everything else
    # (headless --screenshot does not scroll to a #fragment)
    focus = index.with_name("focus.html")
    focus.write_text(index.read_text().replace(
        "</head>", "<style>#warnings, #summary, .target:not(#target-gated_cell), #files, #environment "
        "{ display: none }</style></head>"))
    target = tmp_path / "target.png"
    result = chromium(focus, tmp_path, f"--screenshot={target}", "--window-size=1280,1400")
    assert result.returncode == 0 and png_size_and_colours(target)[2] > 20, result.stderr[-2000:]
    keep = os.environ.get("MIGRATE_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "summary.png")
        shutil.copy(target, Path(keep) / "target.png")


def test_no_request_leaves_the_file(index, tmp_path):
    net_log = tmp_path / "net.json"
    result = chromium(index, tmp_path, f"--log-net-log={net_log}", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'id="summary"' in result.stdout
    assert [url for url in page_requests(net_log) if not url.startswith("file:")] == []


def test_the_request_check_sees_page_requests(tmp_path):
    """Control: a page that does fetch from the network is caught by the same check."""
    page = tmp_path / "fetching.html"
    page.write_text('<!DOCTYPE html><title>x</title><img src="http://127.0.0.1:9/a.png">'
                    '<link rel="stylesheet" href="http://127.0.0.1:9/b.css">')
    net_log = tmp_path / "net.json"
    chromium(page, tmp_path, f"--log-net-log={net_log}", "--dump-dom")
    assert sorted(page_requests(net_log)) == ["http://127.0.0.1:9/a.png", "http://127.0.0.1:9/b.css"]


def test_clicking_a_header_sorts_the_table(index, tmp_path):
    """The optional script: a click on "total" sorts the API table by it, ascending (it starts descending)."""
    clicks = index.with_name("sorted.html")
    clicks.write_text(index.read_text().replace("</body>", (
        "<script>var th = document.querySelector('#by-api + table th:last-child'); th.click();"
        "document.body.dataset.order = Array.prototype.map.call("
        "document.querySelectorAll('#by-api + table tbody tr td:last-child'), function (c) { return c.textContent; }"
        ").join(',');</script></body>")))
    dom = chromium(clicks, tmp_path, "--dump-dom").stdout
    order = dom.split('data-order="', 1)[1].split('"', 1)[0].split(",")
    assert order == sorted(order, key=int) and len(set(order)) > 1


def test_the_matrix_of_every_strategy_fits_a_1400_px_window(tmp_path):
    """Eleven strategies and more (every one migrate has, the C++ runners included) at 1400 px: no
    horizontal scrolling, no cell wrapped, the last column on screen."""
    from migrate.convert.strategies import discover
    from tests.report.conftest import load_sample, sample_report  # noqa: F401  (the sample, extended)

    inputs = load_sample()
    names = [s.name for s in sorted(discover().values(), key=lambda s: s.order)]
    convert = json.loads(json.dumps(inputs.convert))
    for target in convert["targets"]:
        target["name"] = target["name"] + "+MyDecisionGate"[: max(0, 22 - len(target["name"]))]
        have = {r["strategy"] for r in target["results"]}
        target["results"] += [{"strategy": n, "status": "mismatch"} for n in names if n not in have]
    convert["strategies"] = [{"name": n, "family": discover()[n].family, "order": discover()[n].order} for n in names]
    report = sample_report(convert=convert)
    page = Path(write(report, tmp_path / "report")["HTML"])
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", (
        "<script>var box = document.querySelector('#matrix ~ .scroll'); var table = box.querySelector('table');"
        "var cells = Array.prototype.slice.call(table.querySelectorAll('td'));"
        "document.body.dataset.fit = [box.scrollWidth <= box.clientWidth,"
        " table.getBoundingClientRect().right <= window.innerWidth,"
        " cells.every(function (c) { return c.getClientRects().length === 1 && c.offsetHeight < 30; }),"
        " table.querySelectorAll('thead th').length].join(',');</script></body>")))
    dom = chromium(probe, tmp_path, "--dump-dom", "--window-size=1400,900").stdout
    fit = dom.split('data-fit="', 1)[1].split('"', 1)[0].split(",")
    assert fit[:3] == ["true", "true", "true"], fit
    assert int(fit[3]) == len(names) + 2 and len(names) >= 11
