"""``report.html``: a run (or the claims of several scenarios) in one self-contained page.

The page holds the scenario's assumptions in words with their sources (the scenario's
description and the notes in its file, the claims and reported figures with who said them,
where and when), the threshold and claim tables, the charts embedded as PNG data URIs, and the
run's provenance.  It is plain semantic HTML with a small inline stylesheet: no script, no
external file, no network (its content security policy allows nothing else), so that it can be
mailed, archived or opened offline as it is.  All text is escaped.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .chartstyle import VERDICTS
from .claims import crossing_cell, date_text, is_date
from .domains import value_text
from .errors import InputError
from .measures import describe_condition
from .params import Param
from .scenario import Force, Posture, Scenario, Tie
from .textfile import read_text
from .when import When

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from .estimates import Estimate, Estimates
    from .results import Result

#: Nothing but the page itself: inline styles, images from data URIs, no script, no requests.
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
h3 { margin-top: 1.4rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid #d5d5d5; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; white-space: nowrap; } td.date { white-space: nowrap; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #555; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; font-size: 0.9rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
.notes p { margin: 0.3rem 0; color: #444; } code { font-size: 0.85rem; }
""" + "".join(f".{verdict} {{ color: {colour}; font-weight: 600; }}\n" for verdict, colour in VERDICTS.items())

#: What each chart shows, by file name (``fan-<measure>.png``: that measure's fan chart).
CAPTIONS = {
    "fan.png": "Effective strength (people on duty): median, 50% and 90% bands, a few runs, arrivals and phases.",
    "fan-opponent.png": "The opponent's people on duty: median, 50% and 90% bands.",
    "sides.png": "Both sides' people on duty: each side's median with its 50% and 90% bands.",
    "fan-casualties.png": "Casualties (killed, wounded and missing): median and bands, with the reported figures.",
    "crossing.png": "Probability of having crossed each threshold by each date.",
    "claims.png": "Probability that each claim holds, by scenario (green: holds, grey: toss-up, red: fails).",
}


class Markup(str):
    """Text that is already HTML (escaped where it had to be)."""


def esc(value: Any) -> Markup:
    """``value`` as HTML text (``None`` as nothing)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def link(url: str | None) -> Markup:
    """A web address as a visible link (``https://`` or ``http://`` only; anything else as text)."""
    if not url:
        return Markup("")
    if re.fullmatch(r"https?://\S+", url):
        return Markup(f'<a href="{esc(url)}" rel="noreferrer">{esc(url)}</a>')
    return esc(url)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    caption: str = "",
    numeric: Sequence[int] = (),
    dates: Sequence[int] = (),
) -> Markup:
    """A table: a header row, then one row per item; cells are text unless :class:`Markup`
    (the columns ``numeric`` are aligned right, those of ``dates`` not wrapped)."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = "".join(
            ('<td class="num">' if i in numeric else '<td class="date">' if i in dates else "<td>") + f"{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return Markup("\n".join(out))


def figure(path: Path, caption: str | None = None) -> Markup:
    """A PNG file embedded as a data URI, with its caption."""
    text = caption or CAPTIONS.get(path.name) or _fan_caption(path.name)
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return Markup(
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(text)}">'
        f"<figcaption>{esc(text)}</figcaption></figure>"
    )


def _fan_caption(name: str) -> str:
    stem = name.removesuffix(".png")
    if stem.startswith("fan-"):
        return f"{stem[4:]}: median, 50% and 90% bands, with the reported figures where there are any."
    return stem


def page(title: str, body: Iterable[str]) -> str:
    """A whole HTML document."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def definitions(items: Iterable[tuple[str, Any]]) -> Markup:
    """A definition list of the items whose value is not empty."""
    rows = [f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items if v not in (None, "")]
    return Markup("<dl>" + "".join(rows) + "</dl>")


# -- words for values --------------------------------------------------------------------------


def estimate_when(e: Estimate) -> str:
    """A reported figure's date, or its first and last dates with what they share left out
    (2024-10-14..20)."""
    if e.date:
        return e.date.isoformat()
    first, last = (d.isoformat() for d in e.dates)  # type: ignore[union-attr]
    same = 8 if first[:8] == last[:8] else 5 if first[:5] == last[:5] else 0
    return f"{first}..{last[same:]}"


def estimate_figure(e: Estimate) -> str:
    """A reported figure in words: ``3,000``, ``10,000-12,000``, ``more than 1,000``, ``-`` for none."""
    if e.low is not None and e.high is not None:
        text = f"{e.low:,.4g}-{e.high:,.4g}" if e.kind == "share" else f"{e.low:,.0f}-{e.high:,.0f}"
    elif e.value is not None:
        text = f"{e.value:,.4g}" if e.kind == "share" else f"{e.value:,.0f}"
    else:
        return "-"
    return f"more than {text}" if e.lower_bound else text


def _number(path: str, x: float, start: dt.date) -> str:
    try:
        text = value_text(path, x, start)
    except KeyError:  # a path without a known domain
        return f"{x:g}"
    return f"{x:g} days" if text.endswith(" days") else text


def param_words(path: str, p: Param, start: dt.date) -> str:
    """A parameter in words, in its unit: ``0.5% to 1.1%, likeliest 0.75%``, ``7,000 to 9,000
    (uniform)``, ``21 days``."""
    if p.is_fixed:
        return _number(path, p.mean, start)
    args = p.args
    if p.kind == "uniform":
        return f"{_number(path, args[0], start)} to {_number(path, args[1], start)} (uniform)"
    if p.kind == "triangular":
        a, mode, b = (_number(path, x, start) for x in args)
        return f"{a} to {b}, likeliest {mode}"
    return p.describe()


def when_words(w: When, path: str, start: dt.date) -> str:
    """A date in words: the date, a range of dates, or days after an event."""
    if w.kind == "fixed":
        return w.dates[0].isoformat()
    if w.kind == "after":
        if w.days.is_fixed and w.days.mean == 0:
            return f"the day {w.after} begins"
        return f"{param_words(f'{path}.days', w.days, start)} after {w.after}"
    first, *_, last = (d.isoformat() for d in w.dates)
    if w.kind == "triangular":
        return f"between {first} and {last}, likeliest {w.dates[1].isoformat()}"
    return f"between {first} and {last} (uniform)"


def _chance(p: Param, path: str, start: dt.date) -> str:
    return "" if p.is_fixed and p.mean == 1.0 else f"in {param_words(path, p, start)} of runs"


def delay_words(delay, path: str, start: dt.date) -> str:
    """A delay in care: ``21 days on average, at least 7``, or ``4 days`` when fixed."""
    mean = param_words(f"{path}.mean", delay.mean, start)
    if delay.mean.is_fixed and delay.min >= delay.mean.mean:
        return mean
    return f"{mean} on average" + (f", at least {delay.min}" if delay.min else "")


def law_words(p: Posture, path: str, start: dt.date) -> str:
    """A posture's combat losses in words."""
    if p.per_day is not None:
        noise = {"poisson": "a Poisson draw", "negative_binomial": "a negative binomial draw", "none": "exactly"}
        count = param_words(f"{path}.per_day", p.per_day, start)
        text = f"{count} casualties a day among all on duty in it ({noise[p.noise]})"
    elif isinstance(p.daily_rate, Tie):
        times = param_words(f"{path}.daily_rate.times", p.daily_rate.times, start)
        text = f"{times} times the per-person daily rate of {p.daily_rate.of}"
    elif p.daily_rate is not None:
        text = f"{param_words(f'{path}.daily_rate', p.daily_rate, start)} per person a day"
    elif p.lanchester is not None:
        c = param_words(f"{path}.lanchester.coefficient", p.lanchester.coefficient, start)
        text = f"Lanchester's {p.lanchester.law} law, coefficient {c} a day"
    else:
        return "no combat losses"
    if not (p.trend.is_fixed and p.trend.mean == 1.0):
        text += f"; losses times {param_words(f'{path}.trend', p.trend, start)} every 30 days"
    if not (p.daily_cv.is_fixed and p.daily_cv.mean == 0.0):
        text += f"; day-to-day variation (coefficient) {param_words(f'{path}.daily_cv', p.daily_cv, start)}"
    return text


# -- sections ----------------------------------------------------------------------------------


def force_section(f: Force, prefix: str, start: dt.date, title: str) -> Markup:
    """One side's units, postures and phases, casualty split, wounded and disease, in words."""
    out = [f"<h3>{esc(title)}</h3>"]
    rows = []
    for section, units in (("units", f.units), ("reinforcements", f.reinforcements)):
        for u in units:
            path = f"{prefix}{section}.{u.name}"
            rows.append(
                [
                    u.name + (" (reinforcement)" if section == "reinforcements" else ""),
                    when_words(u.arrive, f"{path}.arrive", start),
                    param_words(f"{path}.size", u.size, start),
                    _chance(u.chance, f"{path}.chance", start) or "always",
                    param_words(f"{path}.serves_days", u.serves_days, start) if u.serves_days else "to the end",
                ]
            )
    out.append(table(["unit", "arrives", "people", "comes", "serves"], rows, "Units"))
    posture_rows = [
        [
            name,
            law_words(p, f"{prefix}postures.{name}", start),
            param_words(f"{prefix}postures.{name}.disease_rate", p.disease_rate, start) if p.disease_rate else "",
        ]
        for name, p in f.postures.items()
    ]
    out.append(table(["posture", "combat losses", "disease rate (if its own)"], posture_rows, "Postures"))
    phase_rows = [["(start)", "", f.start_posture, "all", "always"]]
    for i, ph in enumerate(f.phases):
        path = f"{prefix}phases.{i}"
        phase_rows.append(
            [
                when_words(ph.from_, f"{path}.from", start),
                ph.name or "",
                ph.posture,
                ", ".join(ph.units) if ph.units else "all",
                _chance(ph.chance, f"{path}.chance", start) or "always",
            ]
        )
    out.append(table(["from", "phase", "posture", "units", "happens"], phase_rows, "Phases: postures by date"))
    c, w, d = f.casualties, f.wounded, f.disease
    killed = param_words(f"{prefix}casualties.killed", c.killed, start)
    missing = param_words(f"{prefix}casualties.missing", c.missing, start)
    wounded = param_words(f"{prefix}casualties.wounded", c.wounded, start) if c.wounded else "the rest"
    out.append(
        f"<p><strong>Casualties.</strong> Of combat casualties, {esc(killed)} are killed, {esc(missing)} go missing "
        f"or are captured, and {esc(wounded)} are wounded.</p>"
    )
    rtd = param_words(f"{prefix}wounded.return_to_duty", w.return_to_duty, start)
    dow = param_words(f"{prefix}wounded.died_of_wounds", w.died_of_wounds, start)
    recovery = delay_words(w.recovery_days, f"{prefix}wounded.recovery_days", start)
    dying = (
        f"after {delay_words(w.died_of_wounds_days, f'{prefix}wounded.died_of_wounds_days', start)}"
        if w.died_of_wounds_days
        else "on the day they are wounded"
    )
    leaving = (
        f"after {delay_words(w.evacuation_days, f'{prefix}wounded.evacuation_days', start)}"
        if w.evacuation_days
        else "on the day they are wounded"
    )
    out.append(
        f"<p><strong>Wounded.</strong> {esc(rtd)} of the wounded return to duty after {esc(recovery)}; "
        f"{esc(dow)} die of their wounds, {esc(dying)}; the rest are evacuated home, {esc(leaving)}.</p>"
    )
    sick = param_words(f"{prefix}disease.daily_rate", d.daily_rate, start)
    back = param_words(f"{prefix}disease.return_to_duty", d.return_to_duty, start)
    recovery = delay_words(d.recovery_days, f"{prefix}disease.recovery_days", start)
    out.append(
        f"<p><strong>Disease and injury.</strong> Each person on duty falls sick or is injured with probability "
        f"{esc(sick)} a day (unless the posture gives its own rate); {esc(back)} of them return to duty after "
        f"{esc(recovery)}, the rest are evacuated home.</p>"
    )
    return Markup("\n".join(out))


def flows_section(s: Scenario) -> Markup:
    """Reserve, rotations, reinforcement policies, recruitment, mass-casualty events and the
    scenario's own measures, as a list (empty when it has none)."""
    start, items = s.start, []
    if s.reserve is not None:
        items.append(f"Reserve: {param_words('reserve', s.reserve, start)} people for reinforcements and reliefs.")
    for i, r in enumerate(s.rotations):
        path = f"rotations.{i}"
        text = (
            f"Rotation: {r.unit} leaves {when_words(r.leave, f'{path}.leave', start)}; a replacement of "
            f"{param_words(f'{path}.size', r.size, start)} people arrives {r.lead_days} days later"
        )
        if r.every_days:
            text += f", again every {r.every_days} days until {r.until or s.end}"
        chance = _chance(r.chance, f"{path}.chance", start)
        items.append(text + (f" ({chance})" if chance else "") + ".")
    for pol in s.policy:
        path = f"policy.{pol.name}"
        send = param_words(f"{path}.send", pol.send, start)
        delay = param_words(f"{path}.delay_days", pol.delay_days, start)
        text = f"Policy {pol.name}: when {describe_condition(pol.when)}, send {send} people, arriving after {delay}"
        if pol.max_times:
            text += f", at most {pol.max_times} times"
        chance = _chance(pol.chance, f"{path}.chance", start)
        items.append(text + (f" ({chance})" if chance else "") + ".")
    for f in s.recruitment:
        rate = param_words(f"recruitment.{f.name}.per_30_days", f.per_30_days, start)
        reserve = " from the reserve" if f.from_reserve else ""
        items.append(f"Recruitment {f.name}: {rate} recruits per 30 days{reserve}, {f.from_} to {f.until or s.end}.")
    for e in s.mass_casualty:
        path = f"mass_casualty.{e.name}"
        items.append(
            f"Mass-casualty event {e.name}: {param_words(f'{path}.per_30_days', e.per_30_days, start)} per 30 days, "
            f"each hitting {param_words(f'{path}.size', e.size, start)} people, "
            f"{param_words(f'{path}.killed', e.killed, start)} of them killed"
            + (f"; exposed postures: {', '.join(e.postures)}" if e.postures else "")
            + "."
        )
    for name, expression in s.measures.items():
        items.append(f"Measure {name} = {expression}.")
    if not items:
        return Markup("")
    return Markup(
        "<h3>Reinforcement, reliefs and events</h3>\n<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"
    )


def assumptions(s: Scenario, notes: str | None = None) -> Markup:
    """Everything the scenario assumes, in words, with the notes of its file (its sources)."""
    out = [f"<p>{esc(s.description)}</p>" if s.description else ""]
    if notes:
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in notes.split("\n\n"))
        out.append(f'<div class="notes"><h3>Notes and sources in the scenario file</h3>{paragraphs}</div>')
    title = "The force" if s.opponent is None else "The force (our side)"
    out.append(force_section(s, "", s.start, title))
    if s.opponent is not None:
        out.append(force_section(s.opponent, "opponent.", s.start, f"The opponent: {s.opponent.name}"))
    out.append(flows_section(s))
    return Markup("\n".join(x for x in out if x))


def scenario_notes(path: str | Path | None) -> str | None:
    """The comments of a scenario file, whole-line comments only, in order, a blank line between
    blocks (None when there is no file or it cannot be read)."""
    if not path:
        return None
    try:
        text = read_text(path)
    except InputError:
        return None
    blocks, block = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
        elif block:
            blocks.append(" ".join(x for x in block if x))
            block = []
    if block:
        blocks.append(" ".join(x for x in block if x))
    return "\n\n".join(b for b in blocks if b) or None


def thresholds_table(frame: pd.DataFrame) -> Markup:
    """The threshold table: condition, probability of crossing by the end, first-crossing dates."""
    rows = [
        [
            r["threshold"],
            r["condition"],
            f"{r['probability_by_end']:.0%}",
            *(date_text(r[k], "not by end") for k in ("q50", "q05", "q95")),
        ]
        for r in frame.to_dict("records")
    ]
    headers = ["threshold", "condition", "P(crossed by end)", "median date", "5%", "95%"]
    return table(headers, rows, "Thresholds: first-crossing date", numeric=(2, 3, 4, 5))


def claims_table(frame: pd.DataFrame, scenarios: dict[str, Scenario], with_scenario: bool = False) -> Markup:
    """The claim table: who said what, where and when, the test, the probability it holds and the
    verdict (``scenarios`` by name, for the claims' outlets and links)."""
    rows = []
    for r in frame.to_dict("records"):
        s = scenarios.get(r["scenario"])
        claim = next((c for c in s.claims if c.id == r["id"]), None) if s else None
        rows.append(
            ([r["scenario"]] if with_scenario else [])
            + [
                r["id"],
                source_cell(claim.source if claim else None, r["who"], r["said_on"]),
                r["says"],
                r["test"],
                f"{r['probability']:.0%}",
                crossing_cell(r),
                Markup(f'<span class="{esc(r["verdict"])}">{esc(r["verdict"])}</span> ({esc(r["likelihood"])})'),
            ]
        )
    headers = ["claim", "said by", "says", "test", "P(holds)", "median crossing (5% to 95%)", "verdict"]
    headers = (["scenario"] if with_scenario else []) + headers
    return table(headers, rows, "Claims", numeric=(len(headers) - 3,))


def source_cell(source, who: str, said_on: str | None) -> Markup:
    """Who said it, the outlet, the date and the source (a stored article's file, or a link)."""
    parts = [esc(who)]
    if source is not None and source.outlet:
        parts.append(esc(source.outlet))
    if is_date(said_on):
        parts.append(esc(date_text(said_on)))
    if source is not None and source.file:
        parts.append(Markup(f"source {esc(source.file)}"))
    if source is not None and source.url:
        parts.append(link(source.url))
    return Markup(", ".join(parts))


def estimates_table(est: Estimates) -> Markup:
    """The reported figures with who said them, the outlet, the date and the source."""
    rows = []
    for e in sorted(est.estimates, key=lambda e: (e.first_date, e.id)):
        rows.append([estimate_when(e), e.kind, estimate_figure(e), e.who, e.outlet, e.says, _estimate_source(e)])
    headers = ["date", "kind", "figure", "who", "outlet", "says", "source"]
    return table(headers, rows, f"Reported figures: {est.case} ({len(est.estimates)})", numeric=(2,), dates=(0,))


def _estimate_source(e: Estimate) -> Markup:
    parts = [esc(f"source {e.file}")] if e.file else []
    if e.url:
        parts.append(link(e.url))
    if e.reference:
        parts.append(esc(e.reference))
    return Markup("; ".join(parts))


def provenance_list(prov: dict[str, Any]) -> Markup:
    """How the numbers were made: version, seed, runs, the scenario's SHA-256, when written."""
    posterior = prov.get("posterior") or {}
    return definitions(
        [
            ("scenario", prov.get("scenario")),
            ("version", prov.get("version")),
            ("seed", prov.get("seed")),
            ("runs", f"{prov['reps']:,}" if isinstance(prov.get("reps"), int) else prov.get("reps")),
            ("period", f"{prov['start']} to {prov['end']}" if prov.get("start") else None),
            ("scenario.yaml SHA-256", prov.get("scenario_sha256")),
            ("scenario file", prov.get("scenario_file")),
            ("scenario file SHA-256", prov.get("scenario_file_sha256")),
            ("posterior file", posterior.get("file")),
            ("posterior SHA-256", posterior.get("sha256")),
            ("written", prov.get("written")),
        ]
    )


# -- the two reports ---------------------------------------------------------------------------


def run_report(
    result: Result,
    prov: dict[str, Any],
    charts: Sequence[Path] = (),
    estimates: Estimates | None = None,
    notes: str | None = None,
) -> str:
    """The report of one run: provenance, results (thresholds, claims, charts), assumptions
    (with ``notes``, the scenario file's comments) and the reported figures."""
    s = result.scenario
    body = [
        f"<header><h1>{esc(s.name)}: projection</h1>",
        f"<p>{result.reps:,} runs from {s.start} to {s.end}, seed {result.seed} (provenance at the end).</p></header>",
        "<section><h2>Results</h2>",
    ]
    if len(result.thresholds):
        body.append(thresholds_table(result.thresholds))
    if len(result.claims):
        body.append(claims_table(result.claims, {s.name: s}))
    body += [figure(c) for c in charts]
    body.append("</section>")
    body += ["<section><h2>Assumptions</h2>", assumptions(s, notes), "</section>"]
    if estimates is not None:
        body += ["<section><h2>Reported figures</h2>", estimates_table(estimates), "</section>"]
    body += ["<section><h2>Provenance</h2>", provenance_list(prov), "</section>"]
    return page(f"{s.name}: projection", body)


def claims_report(
    frame: pd.DataFrame,
    runs: Sequence[tuple[Path, Result, Estimates | None]],
    prov: dict[str, Any],
    charts: dict[str, Sequence[Path]],
    hashes: dict[str, str],
) -> str:
    """The report of ``simulate.py claims``: every claim in one table, the claims chart, then each
    scenario's thresholds, charts and assumptions, and the reported figures (``charts``: by
    scenario file stem, ``""`` for the whole; ``hashes``: each scenario file's SHA-256)."""
    scenarios = {r.scenario.name: r.scenario for _, r, _ in runs}
    title = f"Claims: {len(frame)} claims from {len(runs)} scenarios"
    body = [
        f"<header><h1>{esc(title)}</h1></header>",
        "<section><h2>Claims</h2>",
        claims_table(frame, scenarios, with_scenario=True) if len(frame) else "<p>No claims.</p>",
        *(figure(c) for c in charts.get("", ())),
        "</section>",
    ]
    seen: dict[str, Estimates] = {}
    for path, result, est in runs:
        s = result.scenario
        body += [
            f'<section id="{esc(path.stem)}"><h2>{esc(s.name)}</h2>',
            definitions([("file", path.name), ("file SHA-256", hashes.get(path.stem)), ("seed", result.seed)]),
        ]
        if len(result.thresholds):
            body.append(thresholds_table(result.thresholds))
        body += [figure(c) for c in charts.get(path.stem, ())]
        body += ["<details><summary>Assumptions</summary>", assumptions(s, scenario_notes(path)), "</details>"]
        body.append("</section>")
        if est is not None:
            seen.setdefault(est.case, est)
    if seen:
        body.append("<section><h2>Reported figures</h2>")
        body += [estimates_table(est) for est in seen.values()]
        body.append("</section>")
    body += ["<section><h2>Provenance</h2>", provenance_list(prov), "</section>"]
    return page(title, body)
