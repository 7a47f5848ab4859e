"""One self-contained HTML page per student (inline CSS, plots as PNG data URIs, no scripts),
rendered from a Record with jinja2 (``page.html.j2``, autoescaped: no student text is markup).

What the page may show of the reference: for each failed case, the expected value at the first
divergent step and the reference trajectory up to that step; nothing else (no reference code, no
hidden test, no later reference step).
"""
import re
from collections import Counter, OrderedDict
from functools import lru_cache
from pathlib import Path

from ... import course as _course
from ...engine.compare import ATOL, RTOL, number
from ...engine.files import write_atomic
from ...engine.results import NOTE_KINDS, format_points

TITLE = "Fitting models"
HERE = Path(__file__).resolve().parent

# status -> (symbol, word, css class); symbols as in the text report
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

RESTART = "then use Kernel → Restart & Run All to check before you submit again."
ADVICE = {
    "syntax": "Fix this syntax error: the grader skips the whole cell, so every function defined in it counts "
              "as missing. Run the cell in Jupyter to see the error, " + RESTART,
    "missing": "This notebook was not in your submission. Submit every notebook of the assignment, with its "
               "original file name.",
    "invalid": "This file could not be read as a notebook (damaged, or not saved by Jupyter). Open it in "
               "Jupyter; if it does not open, fetch the assignment again and copy your answers into the fresh "
               "notebook.",
    "not_a_file": "Hand in the notebook file itself (not a link or a folder of that name).",
    "too_large": "Clear the notebook's outputs (Edit → Clear All Outputs), save it and hand it in again.",
    "unreadable": "Hand the notebook in again; if this persists, tell your instructor.",
    "load_error": "This statement raised an error when the grader ran your notebook's definitions (imports, "
                  "functions and constants; other code is skipped). Fix it, " + RESTART,
    "grader_error": "The grader itself failed on your submission. This is not your fault: tell your instructor.",
}


def pts(value):
    return format_points(value)


def _show(values):
    if isinstance(values, (list, tuple)):
        return "(" + ", ".join(_show(v) for v in values) + ")"
    try:
        return number(float(values))
    except (TypeError, ValueError):
        return str(values)


def _steps(result):
    """Reference and yours at the step before the divergence (they agree) and at it."""
    step, prefix, path = result.step, result.reference_prefix, result.path
    rows = []
    for k in range(max(0, step - 1), step + 1):
        if k < len(prefix) and k < len(path):
            ref, yours = [_show(v) for v in prefix[k]], [_show(v) for v in path[k]]
            rows.append({"k": k, "diff": k == step, "ref": ref,
                         "yours": [(y, k == step and y != r) for r, y in zip(ref, yours)]})
    return rows


def _is_path(result):
    try:
        return (type(result.step) is int and isinstance(result.path, list) and isinstance(result.reference_prefix, list)
                and all(len(r) == 2 for r in result.reference_prefix) and all(len(r) == 2 for r in result.path))
    except TypeError:
        return False


def _card(result, content):
    card = {"group": None, "case": result, "figure": None, "figure_error": None,
            "steps": _steps(result) if _is_path(result) and result.status == "failed" else None}
    try:
        found = content.feedback_figure(result)
        if found:
            card["figure"] = {"uri": found[0], "notes": found[1]}
    except Exception as error:  # noqa: BLE001 - a plot must never cost the page
        card["figure_error"] = type(error).__name__
    return card


def _section(f, results, content):
    lost = [c for c in results if not c.passed]
    with_mistake = [c for c in lost if c.mistake == f.mistake] if f.mistake else []
    where = ""
    if f.mistake and len(lost) > 1:
        where = f" (all {len(lost)} failing cases)" if len(with_mistake) == len(lost) else \
            f" ({len(with_mistake)} of the {len(lost)} failing cases)"
    cards, groups = [], OrderedDict()
    for c in lost:
        if c.step is not None or c.path:
            cards.append(_card(c, content))
        else:
            groups.setdefault((c.status, c.message), []).append(c)
    for (status, message), members in groups.items():
        cards.append(_card(members[0], content) if len(members) == 1 else
                     {"group": members, "status": status, "message": message})
    return {"f": f, "explained": [s for s in OrderedDict.fromkeys(c.status for c in lost) if s in EXPLAIN],
            "mistake_where": where, "cards": cards,
            "several_mistakes": len({c.mistake for c in lost if c.mistake}) > 1}


@lru_cache(maxsize=None)
def _environment():
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False)
    return env.get_template("page.html.j2"), (HERE / "page.css").read_text(encoding="utf-8")


def render(record, late=None):
    """The feedback page of one Record, as a complete HTML document. ``late``: None, or
    {"penalty": points, "seconds": seconds late} from the gradebook."""
    content = _course.current().content
    template, css = _environment()
    final = max(0.0, float(record.score) - float(late["penalty"])) if late else float(record.score)
    top = float(record.max_score) or 1.0
    share = max(0.0, min(1.0, final / top))
    counts = Counter(f.status for f in record.functions)
    order = list(BADGES)
    notebooks = OrderedDict()
    for f in record.functions:
        nb = notebooks.setdefault(f.notebook, {"name": f.notebook, "score": 0, "max_score": 0, "functions": []})
        nb["score"] += f.score
        nb["max_score"] += f.max_score
        nb["functions"].append({"function": f.function, "score": f.score, "max_score": f.max_score,
                                "passed": f.passed, "cases": f.cases, "status": f.status, "accepted": f.accepted,
                                "lost": f.status != "passed"})
    sections = [_section(f, record.cases_of(f.function), content) for f in record.functions if f.status != "passed"]
    return template.render(
        title=TITLE, r=record, final=final, share=share, pts=pts, badges=BADGES, explain=EXPLAIN, css=css,
        level="low" if share < 0.5 else "mid" if share < 0.85 else "",
        counts=sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99),
        late={"penalty": late["penalty"], "hours": _hours(late["seconds"])} if late and late["penalty"] else None,
        problems=[{"message": p.message, "advice": ADVICE.get(p.kind, ADVICE["unreadable"])}
                  for p in record.problems if p.kind not in NOTE_KINDS],
        notes=[p.message for p in record.problems if p.kind in NOTE_KINDS],
        notebooks=list(notebooks.values()), sections=sections, atol=f"{ATOL:g}", rtol=f"{RTOL:g}")


def _hours(seconds):
    hours = seconds / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


# ---------------------------------------------------------------------------------------------

def report_name(student):
    """A safe file name for a student's page (no path separators, no leading dot)."""
    name = re.sub(r"[^\w.@+-]", "_", str(student)).lstrip(".")
    return (name or "student")[:120]


def _file_names(records):
    """One distinct file name per record (two names that sanitise alike keep both pages)."""
    names, used = [], set()
    for record in records:
        name = stem = report_name(record.student)
        n = 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name.lower())
        names.append(f"{name}.html")
    return names


def _render_one(args):
    return render(*args)


def write_reports(records, outdir, jobs=1, late=None):
    """Write ``outdir/<student>.html`` for each Record (each atomically); returns the paths, in the
    records' order. ``late``: {student: late dict} (see ``render``). ``jobs`` > 1 renders in that
    many processes (the plots are CPU-bound)."""
    records = list(records)
    late = late or {}
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / name for name in _file_names(records)]
    work = [(r, late.get(r.student)) for r in records]
    if jobs > 1 and len(records) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        context = multiprocessing.get_context("spawn")      # no fork of a threaded grader
        with ProcessPoolExecutor(min(jobs, len(records)), mp_context=context) as pool:
            for path, page in zip(paths, pool.map(_render_one, work, chunksize=4)):
                write_atomic(path, page)
    else:
        for path, item in zip(paths, work):
            write_atomic(path, _render_one(item))
    return paths
