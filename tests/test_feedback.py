"""The per-student HTML feedback page (autograder.exporters.feedback): what it shows, what it must
never show (reference values beyond the first divergent step, unescaped student text), and how the
pages are written."""
import base64
import os
import re
from fractions import Fraction

import numpy as np
import pytest
from markupsafe import escape

from autograder.cycle.fabricate import make_submission
from autograder.engine.assignment import cases_of
from autograder.engine.grading import grade
from autograder.engine.results import CaseResult, FunctionResult, Problem, Record
from autograder.engine.verdicts import reference_output
from autograder.exporters.feedback import render, write_reports
from autograder.fitting_models import plots

from .helpers import MAX, by_student, entry

def esc(text):
    """Text as the page's templates escape it."""
    return str(escape(text))


PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="session")
def records(tmp_path_factory):
    """Graded fabricated submissions: alice (all correct), bob (four catalogued mistakes and a
    function left as the stub), carol (a syntax error in one notebook), erin (an accepted form)."""
    root = tmp_path_factory.mktemp("feedback-class")
    make_submission(root / "alice")
    make_submission(root / "bob", {
        "adam": entry("no bias correction").source(),
        "sgd_nesterov": entry("gradient at phi, not at the look-ahead point (plain momentum)").source(),
        "line_search": entry("rule 2 with <= instead of <").source(),
        "gabor_gradient": entry("envelope /8 instead of /32", "gabor_gradient").source(),
        "sgd": None})
    make_submission(root / "carol", {"adam": "def adam(phi0, grad, x, y, batches, learning_rate=0.1,\n"
                                             "    return phi0   # unclosed parenthesis\n"})
    make_submission(root / "erin", {"sgd_nesterov": entry("look-ahead phi - alpha * beta * m (the book's corrected form)")
                                    .source()})
    found, _ = grade([root], jobs=2)
    return by_student(found)


@pytest.fixture(scope="session")
def bob_page(records):
    return render(records["bob"])


def failed(record):
    return [c for c in record.cases if not c.passed]


def plotted(record):
    return [c for c in record.cases if c.status == "failed" and c.path and c.dataset]


def minimal(student="dave", status="failed", message="differs", problems=(), **extra):
    """A hand-made Record with one function of one case."""
    passed = status == "passed"
    one = Fraction(1 if passed else 0)
    case = CaseResult(case="parabola_slope[x=3]", function="parabola_slope", about="x = 3", status=status,
                      message=message, points=one, max_points=Fraction(1), **extra)
    function = FunctionResult("parabola_slope", "1_gradients.ipynb", one, Fraction(1), int(passed), 1, status)
    return Record(student, one, Fraction(1), [function], [case], list(problems), path="/nowhere")


# -- what the page shows -------------------------------------------------------------------------

def test_full_marks_page_has_no_failure_section(records):
    record = records["alice"]
    assert record.score == record.max_score
    page = render(record)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert f"{MAX:.2f} / {MAX:.2f}" in page and "100%" in page
    assert 'id="to-fix"' not in page and "Known mistake" not in page
    assert "<img" not in page and "Fix these first" not in page
    assert "Nothing to fix" in page


def test_score_bar_and_table_of_functions(records, bob_page):
    record = records["bob"]
    assert f'width:{100 * float(record.score / record.max_score):.1f}%' in bob_page
    for f in record.functions:
        assert f"<code>{f.function}</code>" in bob_page or f'href="#fn-{f.function}"' in bob_page
        assert f"{f.passed} / {f.cases}" in bob_page
    for notebook in {f.notebook for f in record.functions}:
        assert notebook in bob_page
    # badges carry a symbol and a word, not only a colour
    assert '<span aria-hidden="true">◐</span> partly' in bob_page
    assert '<span aria-hidden="true">✗</span> wrong' in bob_page


def test_failed_cases_show_message_and_named_mistake(records, bob_page):
    lost = [c for c in failed(records["bob"]) if c.status == "failed"]
    assert len(lost) >= 15
    for case in lost:
        assert esc(case.message) in bob_page, case.case
        assert esc(case.about) in bob_page
        assert case.mistake, case.case
        assert esc(case.mistake.name) in bob_page
        assert case.mistake.hint and esc(case.mistake.hint) in bob_page


def test_one_small_png_per_failed_optimizer_case(records, bob_page):
    expected = plotted(records["bob"])
    assert len(expected) == 10                      # 5 sgd_nesterov + 5 adam cases (beta = gamma = 0 passes)
    images = PNG.findall(bob_page)
    assert len(images) == len(expected)
    for data in images:
        raw = base64.b64decode(data)
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(raw) < 100_000


def test_no_reference_value_beyond_the_first_divergent_step(records, bob_page):
    record = records["bob"]
    checked = 0
    for check in plotted(record):
        case = next(c for c in cases_of(check.function) if c.id == check.case)
        ref = reference_output(case).value
        step = check.step
        assert np.allclose(ref[:step + 1], check.reference_prefix)
        shown = {f"{v:.10g}" for row in ref[:step + 1] for v in row} | \
                {f"{v:.10g}" for row in check.path[:step + 1] for v in row}
        assert all(f"{v:.10g}" in bob_page for v in ref[step])     # the page uses this format
        later = {fmt(v) for row in ref[step + 1:] for v in row
                 for fmt in (lambda v: f"{v:.10g}", lambda v: f"{v:.8g}", repr)}
        later = {s for s in later - shown if len(re.sub(r"\D", "", s)) >= 6}
        assert later
        leaked = sorted(s for s in later if s in bob_page)
        assert not leaked, f"{check.case}: reference values after step {step} in the page: {leaked[:5]}"
        checked += len(later)
    assert checked > 500


def test_not_implemented_and_accepted_form_are_explained(records, bob_page):
    section = bob_page[bob_page.index('id="fn-sgd"'):]
    section = section[:section.index("</section>")]
    assert "NotImplementedError" in section and "6 cases" in section
    assert not [c for c in records["bob"].cases_of("sgd_nesterov") if c.passed]     # plain momentum: no form
    assert "accepted form" not in bob_page
    erin = records["erin"]
    form = erin.function("sgd_nesterov").accepted
    assert form and erin.score == erin.max_score
    page = render(erin)
    assert "accepted form" in page and esc(form.name) in page


def test_timeout_and_error_in_plain_words():
    page = render(minimal(status="timeout", message="took longer than 3 s (killed)"))
    assert "did not finish within the time limit" in page and "took longer than 3 s" in page
    page = render(minimal(status="error", message="ZeroDivisionError: division by zero (in `f`, line 2 of 1_gradients.ipynb, cell `def f():`)"))
    assert "raised an error" in page and "ZeroDivisionError: division by zero" in page


def test_problems_are_shown_first_with_what_to_do(records):
    record = records["carol"]
    assert record.problems and record.problems[0].kind == "syntax" and "syntax error" in record.problems[0].message
    page = render(record)
    assert 'id="problems"' in page
    assert page.index('id="problems"') < page.index("<table")
    assert esc(record.problems[0].message) in page
    assert "What to do:" in page and "Fix this syntax error" in page


# -- what the page must not do -------------------------------------------------------------------

def test_student_controlled_text_is_escaped():
    attack = "<script>alert('x')</script>"
    record = minimal(student="<b>eve</b>", message=f"ValueError: {attack}", status="error",
                     problems=[Problem("load_error", "5_adam.ipynb: NameError: <img src=x onerror=alert(1)>")])
    record.cases[0].about = "<i>x = 3</i>"
    page = render(record)
    assert attack not in page and "<script" not in page
    assert esc(attack) in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>eve</b>" not in page and "&lt;b&gt;eve&lt;/b&gt;" in page
    assert "<i>x = 3</i>" not in page


def test_page_is_self_contained(bob_page):
    assert "<script" not in bob_page and "<link" not in bob_page
    assert not re.search(r'(src|href)="(?!data:|#)', bob_page)


def test_unusable_plot_data_does_not_break_the_page():
    record = minimal(dataset="gabor", step=1, path=[[0, 1, 2], [3, 4, 5]], reference_prefix=[[0, 1], [1, 2]])
    page = render(record)
    assert "<img" not in page and "differs" in page


# -- the plots -----------------------------------------------------------------------------------

def test_plot_window_fits_both_paths():
    start = np.array([[-1.5, 6.5], [-1.4, 6.6], [-1.2, 6.9]])
    win, drawable = plots.window("gabor", start, start[:2])
    (a, b), (c, d) = win.ranges
    assert a < -1.5 and b > -1.2 and c < 6.5 and d > 6.9 and not win.notes
    assert drawable["student"].all()
    wide = np.array([[-1.5, 6.5], [8.0, 12.0], [30.0, 40.0]])
    win, _ = plots.window("gabor", wide, wide[:1])
    (a, b), (c, d) = win.ranges
    assert win.widened and b > 30 and d > 40 and a <= -10 and "beyond the usual" in win.notes[-1]


def test_plot_window_clips_a_diverging_path():
    path = np.array([[0.5, 0.0], [1.0, 0.5], [40.0, -30.0], [1e30, -1e30], [np.inf, np.nan]])
    win, drawable = plots.window("linear", path, path[:2])
    assert drawable["student"].tolist() == [True, True, False, False, False]
    assert all(np.isfinite(win.ranges).ravel()) and max(abs(np.array(win.ranges)).ravel()) < 10
    assert "step 2" in win.notes[0] and "not finite" in win.notes[0] and "1e+30" in win.notes[0]
    check = CaseResult(case="x", function="sgd", about="x", status="failed", message="m", dataset="linear", step=2,
                       path=path.tolist(), reference_prefix=[[0.5, 0.0], [1.0, 0.5], [1.1, 0.4]])
    uri, notes = plots.plot_check(check)
    assert uri.startswith("data:image/png;base64,") and notes == win.notes


# -- writing the pages ---------------------------------------------------------------------------

def test_write_reports_one_file_per_student(tmp_path, records):
    group = [records["alice"], minimal("dave"), minimal("../evil")]
    paths = write_reports(group, tmp_path / "out")
    assert [p.name for p in paths] == ["alice.html", "dave.html", "_evil.html"]
    assert sorted(os.listdir(tmp_path / "out")) == sorted(p.name for p in paths)   # no temp files
    for path, record in zip(paths, group):
        assert path.parent == tmp_path / "out"
        assert path.read_text(encoding="utf-8") == render(record)
    assert not (tmp_path / "evil.html").exists()


def test_write_reports_is_atomic(tmp_path, monkeypatch):
    from autograder.engine import files as module    # write_reports writes through files.write_atomic
    out = tmp_path / "out"
    out.mkdir()
    (out / "dave.html").write_text("old page")
    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((os.path.dirname(src), os.path.dirname(dst), open(src).read() == render(minimal("dave"))))
        real_replace(src, dst)

    monkeypatch.setattr(module.os, "replace", spy)
    write_reports([minimal("dave")], out)
    assert replaced == [(str(out), str(out), True)]
    assert (out / "dave.html").read_text() == render(minimal("dave"))

    def broken(src, dst):
        raise OSError("disk full")

    (out / "dave.html").write_text("old page")
    monkeypatch.setattr(module.os, "replace", broken)
    with pytest.raises(OSError):
        write_reports([minimal("dave")], out)
    assert (out / "dave.html").read_text() == "old page"
    assert os.listdir(out) == ["dave.html"]


def test_write_reports_in_parallel_gives_the_same_pages(tmp_path, records):
    group = [records["alice"], minimal("dave"), minimal("erin", status="timeout", message="too slow")]
    paths = write_reports(group, tmp_path, jobs=2)
    assert [p.read_text(encoding="utf-8") for p in paths] == [render(r) for r in group]
