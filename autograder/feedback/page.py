"""One self-contained HTML page per student (inline CSS, plots as PNG data URIs, no scripts).

What the page may show of the reference: for each failed case, the expected value at the first
divergent step (``expected``) and the reference trajectory up to that step (``reference_prefix``);
nothing else (no reference code, no hidden test, no later reference step). Every piece of text
goes through ``html.escape``.
"""
import html
import re
from collections import OrderedDict
from pathlib import Path

from ..judge import ATOL, RTOL, number
from ..report import write_atomic
from . import plots

ASSIGNMENT = "Fitting models"

# status -> (symbol, word, css class); symbols as in the text report (report.MARKS)
BADGES = {
    "passed": ("✓", "passed", "passed"),
    "partial": ("◐", "partly", "partial"),
    "failed": ("✗", "wrong", "failed"),
    "error": ("!", "error", "error"),
    "timeout": ("⏱", "too slow", "timeout"),
    "not implemented": ("·", "not written", "notimpl"),
}

EXPLAIN = {
    "failed": "Your function ran, but its result differs from the reference.",
    "error": "Your function raised an error (or the grader could not find it), so there was no result "
             "to compare. The message says what and where.",
    "timeout": "Your function did not finish within the time limit. Look for a loop that never ends "
               "(a stopping condition that never becomes true, a counter that is not increased) or far "
               "more work than asked. Once a case of a function times out, its remaining cases are not "
               "run and count as timeouts too.",
    "not implemented": "You have not written this function yet: it still raises NotImplementedError. "
                       "Replace the line `raise NotImplementedError()` with your code.",
}

MISTAKE_SPLIT = ". Known mistake: "


def e(text):
    return html.escape(str(text), quote=True)


def fmt_points(value):
    return f"{float(value):.4g}"


def badge(status):
    symbol, word, css = BADGES.get(status, ("?", str(status), "error"))
    return f'<span class="badge {css}"><span aria-hidden="true">{symbol}</span> {e(word)}</span>'


def advice(problem):
    """What a student should do about a problem of their submission."""
    text = str(problem).lower()
    if "syntax error" in text:
        return ("Fix this syntax error: the grader skips the whole cell, so every function defined in it "
                "counts as missing. Run the cell in Jupyter to see the error, then use Kernel → Restart & "
                "Run All before you submit again.")
    if "is missing" in text:
        return ("This notebook was not in your submission. Submit every notebook of the assignment, "
                "with its original file name.")
    if "not a valid notebook" in text:
        return ("This file could not be read as a notebook (damaged, or not saved by Jupyter). Open it "
                "in Jupyter; if it does not open, fetch the assignment again and copy your answers "
                "into the fresh notebook.")
    if "grading failed" in text or "grader" in text and "died" in text:
        return "The grader itself failed on your submission. This is not your fault: tell your instructor."
    if re.search(r"cell \d+.*: \w*(error|exception|exit|interrupt)\w*:", text):
        return ("This statement raised an error when the grader ran your notebook's definitions "
                "(imports, functions and constants; other code is skipped). Fix it, then use "
                "Kernel → Restart & Run All to check before you submit again.")
    return "Check this, then use Kernel → Restart & Run All before you submit again."


def split_message(check):
    """(what differs, known mistake name, hint) of a check's message."""
    message = str(check.get("message", ""))
    matched = check.get("matched")
    if matched and check.get("status") != "passed":
        head = f"{MISTAKE_SPLIT}{matched}."
        if head in message:
            before, after = message.split(head, 1)
            return before, matched, after.strip()
        return message, matched, ""
    return message, None, ""


def _show(values):
    if isinstance(values, (list, tuple)):
        return "(" + ", ".join(_show(v) for v in values) + ")"
    try:
        return number(float(values))
    except (TypeError, ValueError):
        return str(values)


# ---------------------------------------------------------------------------------------------

CSS = """
:root{--ok:#1a7f37;--ok-bg:#dafbe1;--part:#9a6700;--part-bg:#fff4d4;--bad:#c62828;--bad-bg:#ffe3e3;
--err:#8250df;--err-bg:#f1e7ff;--slow:#bc4c00;--slow-bg:#ffe9d6;--none:#57606a;--none-bg:#eaeef2;
--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;
margin:0;background:#f6f8fa}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
h1{margin:0 0 4px;font-size:26px}
h2{font-size:20px;margin:32px 0 12px}
h3{font-size:17px;margin:0}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:14px 0}
.kicker{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.06em}
.score{display:flex;align-items:baseline;gap:10px;margin:10px 0 8px}
.score .big{font-size:40px;font-weight:700}
.score .of{font-size:20px;color:var(--muted)}
.bar{height:14px;border-radius:7px;background:#eaeef2;overflow:hidden;border:1px solid var(--line)}
.bar>div{height:100%;background:linear-gradient(90deg,#2da44e,#1a7f37)}
.bar.low>div{background:linear-gradient(90deg,#e5534b,#c62828)}
.bar.mid>div{background:linear-gradient(90deg,#d4a72c,#bf8700)}
.summary{margin:10px 0 0;display:flex;flex-wrap:wrap;gap:8px}
.badge{display:inline-block;white-space:nowrap;border-radius:999px;padding:1px 10px;font-size:13px;
font-weight:600;border:1px solid currentColor}
.badge.passed{color:var(--ok);background:var(--ok-bg)}
.badge.partial{color:var(--part);background:var(--part-bg)}
.badge.failed{color:var(--bad);background:var(--bad-bg)}
.badge.error{color:var(--err);background:var(--err-bg)}
.badge.timeout{color:var(--slow);background:var(--slow-bg)}
.badge.notimpl{color:var(--none);background:var(--none-bg)}
.problems{border:2px solid var(--bad);background:#fff5f5}
.problems h2{margin:0 0 6px;color:var(--bad)}
.problems li{margin:10px 0}
.problems .what{margin-top:4px}
table{border-collapse:collapse;width:100%}
.functions th,.functions td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
.functions .num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.functions tr.nb th{background:#f6f8fa;font-size:13px;color:var(--muted);font-weight:600;padding-top:12px}
.functions tr.nb th span{float:right}
.functions .note{display:block;font-size:12.5px;color:var(--muted)}
.mini{display:inline-block;width:60px;height:8px;border-radius:4px;background:#eaeef2;margin-left:8px;
vertical-align:middle;overflow:hidden}
.mini>i{display:block;height:100%;background:#2da44e}
.fn h3 .where{font-weight:400;color:var(--muted);font-size:14px}
.fn .head{display:flex;flex-wrap:wrap;align-items:center;gap:10px;justify-content:space-between}
.fn .pts{color:var(--muted);font-size:14px}
.explain{margin:8px 0}
.mistake{border-left:4px solid var(--bad);background:var(--bad-bg);padding:8px 12px;border-radius:4px;margin:10px 0}
.accepted{border-left:4px solid var(--ok);background:var(--ok-bg);padding:8px 12px;border-radius:4px;margin:10px 0}
.case{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:12px 0;background:#fcfcfd}
.case .about{font-weight:600}
.case .msg{margin:6px 0;white-space:pre-wrap;word-break:break-word}
.case .tag{font-size:13px;color:var(--bad)}
.case ul{margin:4px 0;padding-left:20px}
.case summary{cursor:pointer;color:var(--muted);font-size:13px}
.steps{width:auto;margin:8px 0;font-size:13px}
.steps th,.steps td{border:1px solid var(--line);padding:3px 8px;text-align:right}
.steps th{background:#f6f8fa}
.steps tr.diff td{background:#fff5f5}
.steps td.d{color:var(--bad);font-weight:700}
figure{margin:10px 0 4px}
figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
figcaption{font-size:13px;color:var(--muted)}
figcaption .warn{color:var(--slow)}
.allgood{font-size:17px}
footer{color:var(--muted);font-size:13px;margin-top:32px}
"""


# ---------------------------------------------------------------------------------------------

def _header(record):
    score, top = float(record.get("score", 0)), float(record.get("max_score", 0)) or 1.0
    share = max(0.0, min(1.0, score / top))
    level = "low" if share < 0.5 else "mid" if share < 0.85 else ""
    counts = OrderedDict()
    for f in record.get("functions", []):
        counts[f.get("status")] = counts.get(f.get("status"), 0) + 1
    summary = "".join(f'<span>{badge(s)} × {n}</span>' for s, n in
                      sorted(counts.items(), key=lambda kv: list(BADGES).index(kv[0]) if kv[0] in BADGES else 99))
    return (f'<header class="card"><div class="kicker">{e(ASSIGNMENT)} · feedback</div>'
            f'<h1>{e(record.get("student", "?"))}</h1>'
            f'<div class="score"><span class="big">{fmt_points(score)}</span>'
            f'<span class="of">/ {fmt_points(top)} points</span>'
            f'<span class="of">({share:.0%})</span></div>'
            f'<div class="bar {level}" role="img" aria-label="{share:.0%} of the points">'
            f'<div style="width:{share * 100:.1f}%"></div></div>'
            f'<div class="summary" aria-label="functions by status">{summary}</div></header>')


def _problems(record):
    problems = record.get("problems") or []
    if not problems:
        return ""
    items = "".join(f'<li><code>{e(p)}</code><div class="what"><b>What to do:</b> {e(advice(p))}</div></li>'
                    for p in problems)
    return (f'<section class="card problems" id="problems"><h2>⚠ Fix these first</h2>'
            f'<p>The grader could not read or run part of your notebooks. Functions affected by this '
            f'scored 0 for this reason alone, however good the rest of your code is.</p>'
            f'<ul>{items}</ul></section>')


def _accepted_forms(checks):
    """{form name: number of passed cases} for passed cases that matched an accepted variant."""
    forms = OrderedDict()
    for c in checks:
        if c.get("status") == "passed" and c.get("matched"):
            forms[c["matched"]] = forms.get(c["matched"], 0) + 1
    return forms


def _by_notebook(record):
    groups = OrderedDict()
    for f in record.get("functions", []):
        groups.setdefault(f.get("notebook", ""), []).append(f)
    return groups


def _checks_of(record, function):
    return [c for c in record.get("checks", []) if c.get("function") == function]


def _lost(f):
    return float(f.get("score", 0)) < float(f.get("max_score", 0)) or f.get("status") != "passed"


def _table(record):
    rows = []
    for notebook, functions in _by_notebook(record).items():
        got = sum(float(f.get("score", 0)) for f in functions)
        top = sum(float(f.get("max_score", 0)) for f in functions)
        rows.append(f'<tr class="nb"><th colspan="4">{e(notebook)}'
                    f'<span>{fmt_points(got)} / {fmt_points(top)} points</span></th></tr>')
        for f in functions:
            name = e(f.get("function", "?"))
            link = f'<a href="#fn-{name}">{name}</a>' if _lost(f) else name
            notes = "".join(f'<span class="note">accepted form: {e(form)}</span>'
                            for form in _accepted_forms(_checks_of(record, f.get("function"))))
            passed, cases = int(f.get("passed", 0)), int(f.get("cases", 0)) or 1
            rows.append(f'<tr><td><code>{link}</code>{notes}</td>'
                        f'<td class="num">{fmt_points(f.get("score", 0))} / {fmt_points(f.get("max_score", 0))}</td>'
                        f'<td class="num">{passed} / {f.get("cases", 0)}'
                        f'<span class="mini" aria-hidden="true"><i style="width:{100 * passed / cases:.0f}%"></i></span></td>'
                        f'<td>{badge(f.get("status"))}</td></tr>')
    return ('<section class="card"><h2 style="margin-top:0">Functions</h2><table class="functions">'
            '<thead><tr><th>Function</th><th class="num">Points</th><th class="num">Cases passed</th>'
            f'<th>Status</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _steps_table(check):
    """Reference and yours at the step before the divergence (they agree) and at it."""
    step, prefix, path = check["step"], check["reference_prefix"], check["path"]
    rows = []
    for k in range(max(0, step - 1), step + 1):
        ref = prefix[k] if k < len(prefix) else None
        yours = path[k] if k < len(path) else None
        if ref is None or yours is None:
            continue
        cells = []
        for r, y in zip(ref, yours):
            cells.append(f'<td>{e(_show(r))}</td>')
        for r, y in zip(ref, yours):
            bad = k == step and _show(r) != _show(y)
            cells.append(f'<td{" class=d" if bad else ""}>{e(_show(y))}</td>')
        rows.append(f'<tr{" class=diff" if k == step else ""}><th>{k}{" (first difference)" if k == step else ""}'
                    f'</th>{"".join(cells)}</tr>')
    return ('<table class="steps mono"><thead><tr><th rowspan="2">step</th><th colspan="2">reference</th>'
            '<th colspan="2">yours</th></tr><tr><th>φ0</th><th>φ1</th><th>φ0</th><th>φ1</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _is_path_check(check):
    try:
        return (isinstance(check.get("step"), int) and isinstance(check.get("path"), list)
                and isinstance(check.get("reference_prefix"), list)
                and all(len(r) == 2 for r in check["reference_prefix"])
                and all(len(r) == 2 for r in check["path"]))
    except TypeError:
        return False


def _figure(check):
    if not plots.plottable(check):
        return ""
    try:
        uri, notes = plots.plot_check(check)
    except Exception as error:  # noqa: BLE001 - a plot must never cost the page
        return f'<p class="explain">(The plot could not be drawn: {e(type(error).__name__)}.)</p>'
    step = check["step"]
    caption = (f"Left: the {e(check['dataset'])} loss over (φ0, φ1), your whole path in red and the reference "
               f"in orange, shown only up to step {step}, where yours first differs (ringed). "
               f"Right: zoom on that step.")
    caption += "".join(f' <span class="warn">{e(n)}</span>' for n in notes)
    alt = f"Loss contours with your path and the reference path up to step {step}"
    return f'<figure><img src="{uri}" alt="{e(alt)}"><figcaption>{caption}</figcaption></figure>'


def _case_card(check, show_mistake_tag):
    what, matched, _ = split_message(check)
    parts = [f'<div class="case"><div>{badge(check.get("status"))} <span class="about">{e(check.get("case", ""))}</span></div>',
             f'<div class="msg mono">{e(what)}</div>']
    if matched and show_mistake_tag:
        parts.append(f'<div class="tag">→ known mistake: {e(matched)}</div>')
    if _is_path_check(check) and check.get("status") == "failed":
        parts.append(_steps_table(check))
    parts.append(_figure(check))
    parts.append("</div>")
    return "".join(parts)


def _group_card(status, message, checks):
    """Several cases with the same outcome and no detail of their own (not written, timeouts...)."""
    cases = "".join(f"<li>{e(c.get('case', ''))}</li>" for c in checks)
    return (f'<div class="case"><div>{badge(status)} <span class="about">{len(checks)} cases:</span> '
            f'<span class="msg mono">{e(message)}</span></div>'
            f'<details><summary>which cases</summary><ul>{cases}</ul></details></div>')


def _function_section(f, checks):
    status = f.get("status")
    lost = [c for c in checks if c.get("status") != "passed"]
    out = [f'<section class="card fn" id="fn-{e(f.get("function", "?"))}"><div class="head">'
           f'<h3><code>{e(f.get("function", "?"))}</code> <span class="where">in {e(f.get("notebook", ""))}</span></h3>'
           f'<span class="pts">{fmt_points(f.get("score", 0))} / {fmt_points(f.get("max_score", 0))} points · '
           f'{int(f.get("passed", 0))} of {f.get("cases", 0)} cases passed {badge(status)}</span></div>']
    for s in OrderedDict.fromkeys(c.get("status") for c in lost):
        if s in EXPLAIN:
            out.append(f'<p class="explain"><b>{badge(s)}</b> {e(EXPLAIN[s])}</p>')
    mistakes = OrderedDict()
    for c in lost:
        _, matched, hint = split_message(c)
        if matched:
            mistakes.setdefault(matched, [hint, 0])[1] += 1
    for name, (hint, count) in mistakes.items():
        where = ("" if len(lost) == 1 else f" (all {count} failing cases)" if count == len(lost)
                 else f" ({count} of the {len(lost)} failing cases)")
        out.append(f'<div class="mistake"><b>Known mistake: {e(name)}</b>{where}'
                   f'{"<br>" + e(hint) if hint else ""}</div>')
    for form, count in _accepted_forms(checks).items():
        out.append(f'<div class="accepted">✓ {count} case{"s" if count > 1 else ""} passed because your output '
                   f'matches an accepted form: <b>{e(form)}</b>.</div>')
    grouped = OrderedDict()
    for c in lost:
        if "step" in c or plots.plottable(c):
            grouped[("card", id(c))] = [c]
        else:
            grouped.setdefault((c.get("status"), str(c.get("message", ""))), []).append(c)
    for key, members in grouped.items():
        if key[0] == "card" or len(members) == 1:
            out.extend(_case_card(c, show_mistake_tag=len(mistakes) > 1) for c in members)
        else:
            out.append(_group_card(key[0], key[1], members))
    out.append("</section>")
    return "".join(out)


def _details(record):
    sections = []
    for f in record.get("functions", []):
        checks = _checks_of(record, f.get("function"))
        if _lost(f):
            sections.append(_function_section(f, checks))
    if not sections:
        return ('<section class="card allgood"><b>✓ Every case of every function matches the reference.</b> '
                'Nothing to fix.</section>')
    return '<h2 id="to-fix">What to fix</h2>' + "".join(sections)


def _footer():
    return (f'<footer>How this was graded: each function\'s points are split evenly over its test cases. '
            f'A case passes when every value you return agrees with the reference: |yours − reference| ≤ '
            f'{ATOL:g} + {RTOL:g} × |reference|, at every step. The plots and tables show the reference only '
            f'up to the first step where your result differs.</footer>')


def render(record):
    """The feedback page of one grading record, as a complete HTML document."""
    title = f"{ASSIGNMENT}: {record.get('student', '?')} — {fmt_points(record.get('score', 0))} / " \
            f"{fmt_points(record.get('max_score', 0))}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>"
            f"{_header(record)}{_problems(record)}{_table(record)}{_details(record)}{_footer()}"
            "</main></body></html>\n")


# ---------------------------------------------------------------------------------------------

def report_name(student):
    """A safe file name for a student's page (no path separators, no leading dot)."""
    name = re.sub(r"[^\w.@+-]", "_", str(student)).lstrip(".")
    return (name or "student")[:120]


def _file_names(records):
    """One distinct file name per record (two names that sanitise alike keep both pages)."""
    names, used = [], set()
    for record in records:
        name = stem = report_name(record.get("student", "student"))
        n = 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name.lower())
        names.append(f"{name}.html")
    return names


def write_reports(records, outdir, jobs=1):
    """Write ``outdir/<student>.html`` for each record (each atomically); returns the paths, in the
    records' order. ``jobs`` > 1 renders in that many processes (the plots are CPU-bound)."""
    records = list(records)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / name for name in _file_names(records)]
    if jobs > 1 and len(records) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        context = multiprocessing.get_context("spawn")      # no fork of a threaded grader
        with ProcessPoolExecutor(min(jobs, len(records)), mp_context=context) as pool:
            pages = pool.map(render, records, chunksize=4)
            for path, page in zip(paths, pages):
                write_atomic(path, page)
    else:
        for path, record in zip(paths, records):
            write_atomic(path, render(record))
    return paths
