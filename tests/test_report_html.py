"""``report.html``: one self-contained page per run or claims table, read with Python's own HTML
parser, and rendered by a headless Chromium when one is installed."""

import base64
import dataclasses
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import sim
from conftest import ROOT
from sim.claims import date_text
from sim.cli import main
from sim.estimates import estimates_for
from sim.outputs import write_run
from sim.report_html import POLICY, run_report

BASELINE = ROOT / "scenarios" / "kursk-baseline.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """The parts of a page the tests look at: title, tables (caption, headers, rows), images,
    links, and every attribute that could fetch something."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.tables: list[dict] = []
        self.images: list[dict] = []
        self.links: list[dict] = []
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.text: list[str] = []
        self._in: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._link: dict | None = None
        self._data_row = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self._in.append(tag)
        for key in ("src", "href", "action", "data", "poster", "srcset", "background"):
            if key in a:
                self.fetching.append((tag, key, a[key] or ""))
        if tag == "table":
            self.tables.append({"caption": "", "headers": [], "rows": []})
        elif tag == "tr":
            self._row, self._data_row = [], False
        elif tag in ("td", "th"):
            self._cell = []
            self._data_row |= tag == "td"
        elif tag == "img":
            self.images.append(a)
        elif tag == "a":
            self._link = {"href": a.get("href", ""), "text": ""}

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            # A row of <th> cells only is the header.
            self.tables[-1]["rows" if self._data_row else "headers"] = (
                [*self.tables[-1]["rows"], self._row] if self._data_row else self._row
            )
            self._row = None
        elif tag == "a" and self._link is not None:
            self.links.append(self._link)
            self._link = None

    def handle_data(self, data):
        self.text.append(data)
        if "title" in self._in:
            self.title += data
        if "caption" in self._in and self.tables:
            self.tables[-1]["caption"] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link["text"] += data

    def table(self, caption: str) -> dict:
        found = [t for t in self.tables if t["caption"].startswith(caption)]
        assert len(found) == 1, [t["caption"] for t in self.tables]
        return found[0]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A run of the Kursk baseline with its charts and reported figures (the report's inputs)."""
    out = tmp_path_factory.mktemp("report") / "run"
    sc = sim.load_scenario(BASELINE)
    result = sim.run(sc, reps=50, seed=3)
    est = estimates_for(BASELINE, sc.estimates)
    write_run(result, out, estimates=est, extra={"scenario_file": str(BASELINE)})
    return result, out


@pytest.fixture(scope="module")
def page(run_folder):
    return Page((run_folder[1] / "report.html").read_text(encoding="utf-8"))


def test_the_title_names_the_scenario(page):
    assert "kursk-baseline" in page.title


def test_the_thresholds_table(run_folder, page):
    result, _ = run_folder
    t = page.table("Thresholds")
    assert t["headers"] == ["threshold", "condition", "P(crossed by end)", "median date", "5%", "95%"]
    assert [r[0] for r in t["rows"]] == list(result.scenario.thresholds)
    for row, r in zip(t["rows"], result.thresholds.to_dict("records"), strict=True):
        assert row[1] == r["condition"] and row[3] == date_text(r["q50"], "not by end")


def test_the_claims_table(run_folder, page):
    result, _ = run_folder
    t = page.table("Claims")
    assert t["headers"] == ["claim", "said by", "says", "test", "P(holds)", "median crossing (5% to 95%)", "verdict"]
    assert [r[0] for r in t["rows"]] == [c.id for c in result.scenario.claims]
    claim = result.scenario.claims[0]
    said_by = t["rows"][0][1]
    assert claim.source.who in said_by and claim.source.outlet in said_by and str(claim.source.date) in said_by
    assert t["rows"][0][4] == f"{result.claims.loc[0, 'probability']:.0%}"


def test_assumptions_and_reported_figures_are_in_words_with_their_sources(page):
    units = page.table("Units")
    assert units["rows"][1][:3] == ["wave-2", "2024-11-01", "7,000 to 9,000 (uniform)"]
    postures = {r[0]: r[1] for r in page.table("Postures")["rows"]}
    assert postures["combat"] == "0.5% to 1.1%, likeliest 0.75% per person a day"
    phases = [r[:3] for r in page.table("Phases")["rows"]]
    assert ["between 2025-01-12 and 2025-01-20 (uniform)", "pullback", "withdrawn"] in phases
    text = " ".join(" ".join(page.text).split())
    assert "of the wounded return to duty after 21 days on average, at least 7" in text
    assert "Notes and sources in the scenario file" in text and "FDD Long War Journal, 2025-01-31" in text
    figures = page.table("Reported figures")
    assert figures["headers"] == ["date", "kind", "figure", "who", "outlet", "says", "source"]
    assert len(figures["rows"]) > 10


def test_every_image_is_an_embedded_png(run_folder, page):
    _, out = run_folder
    assert len(page.images) == len(list(out.glob("*.png"))) >= 3
    for img in page.images:
        src = img["src"]
        assert src.startswith("data:image/png;base64,"), src[:40]
        assert base64.b64decode(src.split(",", 1)[1], validate=True)[:8] == PNG
        assert img.get("alt")


def test_nothing_is_fetched_from_elsewhere(page, run_folder):
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(page.tags)
    for tag, attribute, value in page.fetching:
        if tag == "a" and attribute == "href":
            continue  # checked below: a visible link is not fetched
        assert value.startswith("data:image/png;base64,"), (tag, attribute, value[:60])
    for a in page.links:  # links are the sources' addresses, shown as they are
        assert a["href"].startswith(("https://", "http://")) and a["text"] == a["href"]
    raw = (run_folder[1] / "report.html").read_text(encoding="utf-8")
    assert "@import" not in raw and "url(" not in raw
    assert f'content="{POLICY}"' in raw  # and the browser is told to fetch nothing


def test_text_from_the_files_is_escaped(run_folder):
    result, _ = run_folder
    hostile = '<script>alert("x")</script> & <img src=https://example.org/x.png>'
    scenario = result.scenario.model_copy(update={"description": hostile})
    page = Page(run_report(dataclasses.replace(result, scenario=scenario), {"scenario": hostile}))
    assert "script" not in page.tags and len(page.images) == 0
    assert hostile in "".join(page.text)


def test_the_claims_command_writes_a_report(tmp_path):
    folder = tmp_path / "scenarios"
    (folder / "estimates").mkdir(parents=True)
    shutil.copy(BASELINE, folder)
    shutil.copy(ROOT / "scenarios" / "estimates" / "dprk-kursk.yaml", folder / "estimates")
    out = tmp_path / "out"
    ran = CliRunner().invoke(main, ["claims", str(folder), "--reps", "50", "--out", str(out), "-q"])
    assert ran.exit_code == 0, ran.output
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    assert "Claims" in page.title
    claims = page.table("Claims")
    assert claims["headers"][:2] == ["scenario", "claim"] and len(claims["rows"]) == 3
    assert [t["caption"] for t in page.tables].count("Thresholds: first-crossing date") == 1
    # claims.png, then the scenario's crossing and fan charts: every PNG the command wrote.
    assert len(page.images) == len(list(out.rglob("*.png"))) >= 3
    assert all(base64.b64decode(i["src"].split(",", 1)[1])[:8] == PNG for i in page.images)


# -- rendered by a browser ---------------------------------------------------------------------

CHECK = """
<script>
const imgs = Array.from(document.images);
const result = {
  images: imgs.length,
  loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
  tables: document.querySelectorAll("table").length,
  title: document.title,
};
const pre = document.createElement("pre");
pre.id = "check";
pre.textContent = JSON.stringify(result);
document.body.appendChild(pre);
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.skip("Chromium not installed: apt-get install chromium")
    return found


def _browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=60)


def test_chromium_renders_every_image_and_table(run_folder, tmp_path):
    chromium = _chromium()
    _, out = run_folder
    page = (out / "report.html").read_text(encoding="utf-8")
    # The copy allows its one inline script (the report itself allows none).
    page = page.replace(POLICY, POLICY + "; script-src 'unsafe-inline'").replace("</body>", CHECK + "</body>")
    copy = tmp_path / "checked.html"
    copy.write_text(page, encoding="utf-8")
    p = _browse(chromium, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", copy.as_uri())
    assert p.returncode == 0, p.stderr[-2000:]
    dom = Page(p.stdout)
    found = [t for t in dom.text if t.startswith('{"images"')]
    assert found, p.stdout[-2000:]
    check = json.loads(found[-1])
    n_png = len(list(out.glob("*.png")))
    assert check == {"images": n_png, "loaded": n_png, "tables": len(Page(page).tables), "title": dom.title}
    assert "kursk-baseline" in check["title"]

    shot = tmp_path / "shot.png"
    p = _browse(chromium, tmp_path / "profile", "--window-size=1200,2400", f"--screenshot={shot}", copy.as_uri())
    assert p.returncode == 0 and shot.read_bytes()[:8] == PNG, p.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    # Not blank: text, tables and charts make many dark pixels on the white page.
    assert pixels.std() > 10 and (pixels < 128).mean() > 0.01
