"""``--hide-reference`` (Gradescope always): the reference functions student code builds on run in
the grader, and the sandbox holds only stand-ins that ask for them (the oracle). Attacked as a
student who sees their feedback before the deadline would: copy the reference out, ask for more
than was handed over, hang or garble a callback. Without the option the same echo does reach the
record (what the option is for: see the README's residual risks)."""
import json

import pytest

from autograder.cycle.fabricate import make_submission
from autograder.engine import reference
from autograder.engine.grading import grade
from autograder.engine.results import to_json
from autograder.engine.sandbox.supervisor import Limits

from .helpers import COURSE, MAX, POINTS, by_student, scores
from .test_isolation import ATTACKS, TIERS, available

INTROSPECT = """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    import dis, gc, inspect, io
    given = ("line_search", "linear_loss", "linear_gradient", "gabor_loss", "gabor_gradient", "step_decay")
    mine = [o for o in gc.get_objects() if inspect.isfunction(o) and o.__code__.co_filename.startswith("<grader")
            and o.__name__ in given]
    text = io.StringIO()
    for f in mine + [loss, grad, line_search]:
        try:
            dis.dis(f, file=text)
        except TypeError:
            pass
    raise RuntimeError(f"found {len(mine)} reference functions " + text.getvalue()[-1500:])
"""

ASK_FOR_MORE = """
def sgd(grad, phi0, x, y, batches, learning_rate):
    import gc
    channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
    for name, remote in (("sgd", None), ("adam", None), (None, 99)):
        try:
            return channel.ask(name, remote, (grad, phi0, x, y, batches, learning_rate), {})
        except Exception as error:
            last = error
    raise last
"""

HANG_IN_CALLBACK = """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    import time
    def along(a):
        time.sleep(60)
    line_search(along, max_dist, tol, max_iter)
"""

ODD_ARGUMENTS = """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    for odd in (np.zeros(10 ** 6), object(), [[[[[1.0]]]]], "text", 10 ** 30, np.zeros(2, dtype=complex)):
        try:
            grad(odd, x, y)
        except Exception:
            pass
    phi, path = np.array(phi0, dtype=float), [np.array(phi0, dtype=float)]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * g / (np.sqrt(g * g) + eps)
        path.append(phi)
    return np.array(path)
"""

CLASS = {
    "00-honest": {},
    "01-stubs": {name: None for name in POINTS},
    "02-echo-the-reference": dict([ATTACKS["echo-the-reference"]]),
    "03-introspect": {"gradient_descent_line_search": INTROSPECT},
    "04-ask-for-more": {"sgd": ASK_FOR_MORE},
    "05-hang-in-callback": {"gradient_descent_line_search": HANG_IN_CALLBACK},
    "06-odd-arguments": {"normalized_gradient_descent": ODD_ARGUMENTS},
    "07-own-line-search-missing": {"line_search": None},
    "08-honest": {},
}


def secret_lines():
    """Lines of the reference code handed to student code that no released notebook shows."""
    names = {n for n in reference.closure(set(POINTS), COURSE)}
    public = "".join(p.read_text() for p in COURSE.release.glob("*.ipynb"))
    return [line.strip() for line in reference.source_for(names, COURSE).splitlines()
            if len(line.strip()) > 25 and not line.strip().startswith("def ") and line.strip() not in public]


def graded(root, tier, hide):
    records, used = grade([root], jobs=1, tier=tier, limits=Limits(hide_reference=hide))
    assert used.name == tier
    return by_student(records)


@pytest.fixture(scope="module", params=TIERS)
def hidden(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"hidden-{request.param}")
    for name, replace in CLASS.items():
        make_submission(root / name, replace)
    return graded(root, request.param, hide=True)


def test_honest_work_gets_full_marks_and_stubs_nothing(hidden):
    assert hidden["00-honest"].score == hidden["08-honest"].score == MAX
    assert hidden["01-stubs"].score == 0
    own_missing = scores(hidden["07-own-line-search-missing"])        # builds on the reference, asked for
    assert own_missing["line_search"] == 0 and own_missing["gradient_descent_line_search"] == POINTS[
        "gradient_descent_line_search"]


def test_no_reference_code_reaches_the_records(hidden):
    text = json.dumps([to_json(r) for r in hidden.values()])
    lines = secret_lines()
    assert len(lines) > 20
    assert [line for line in lines if line in text] == []
    introspected = hidden["03-introspect"].cases_of("gradient_descent_line_search")[0].message
    assert "found 0 reference functions" in introspected, introspected[:300]


@pytest.mark.parametrize("name, function", [("04-ask-for-more", "sgd"), ("05-hang-in-callback",
                                                                          "gradient_descent_line_search")])
def test_asking_for_more_or_hanging_costs_that_function_only(hidden, name, function):
    record = hidden[name]
    got = scores(record)
    assert got[function] == 0 and all(got[f] == POINTS[f] for f in got if f != function), got
    assert not record.grader_failed
    message = record.cases_of(function)[0].message
    expected = "not a function this stage was given" if function == "sgd" else "took longer than 3 s"
    assert expected in message, message


def test_odd_arguments_to_a_given_function_are_harmless(hidden):
    record = hidden["06-odd-arguments"]
    assert record.score == MAX and not record.grader_failed, [c.message for c in record.cases if not c.passed][:2]


def test_without_the_option_the_same_echo_reaches_the_record(tmp_path):
    """What ``--hide-reference`` is for (the default ships the reference code into the sandbox)."""
    tier = "bwrap" if available("bwrap") else "restricted"
    for name in ("02-echo-the-reference", "03-introspect"):
        make_submission(tmp_path / name, CLASS[name])
    records = graded(tmp_path, tier, hide=False)
    text = json.dumps([to_json(r) for r in records.values()])
    assert any(line in text for line in secret_lines())
    assert "found 0 reference functions" not in records["03-introspect"].cases_of("gradient_descent_line_search")[0].message


# -- red team 4: what a child can make the grader itself do ------------------------------------
CHANNEL = """
    import gc, signal, sys
    channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
    encode = sys.modules["protocol"].encode_message
"""
FLOOD = """
def sgd(grad, phi0, x, y, batches, learning_rate):""" + CHANNEL + """
    asks = [{"event": "ask", "ask": 10 ** 6 + i, "name": "no_such_function", "args": {"$seq": [], "tuple": True}}
            for i in range(20000)]
    channel.sock.sendall(b"".join(encode(a) for a in asks))     # never reads a reply
    return phi0
"""
BIG_POWERS = """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):""" + CHANNEL + """
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    channel.given("step_decay")(1, 10 ** 6, 1)                    # its schedule stays in the grader: remote 0
    asks = [{"event": "ask", "ask": 10 ** 6 + i, "remote": 0, "args": {"$seq": [10 ** 6], "tuple": True}}
            for i in range(30)]                                   # 10**6 ** 10**6, thirty times
    channel.sock.sendall(b"".join(encode(a) for a in asks))
    for _ in asks:
        channel._next()
    raise RuntimeError("all answered")
"""
BIG_TUPLES = """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):""" + CHANNEL + """
    phi = {"$seq": [0, {"$seq": [0] * 300, "tuple": True}], "tuple": True}      # phi[1] * x: 3e8 items
    asks = [{"event": "ask", "ask": 10 ** 6 + i, "name": "linear_model", "args": {"$seq": [phi, 10 ** 6], "tuple": True}}
            for i in range(3)]
    channel.sock.sendall(b"".join(encode(a) for a in asks))
    for _ in asks:
        channel._next()
    raise RuntimeError("all answered")
"""
ASK_AFTER_DONE = """
import sys
class _Linger:
    _proto = sys.modules["protocol"]
    def encode(message, _encode=_proto.encode_message):
        if message.get("event") == "done":
            import gc, signal, time
            channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
            ask = {"event": "ask", "ask": 987654, "name": "line_search", "args": {"$seq": [{"$ref": 0}], "tuple": True}}
            channel.sock.sendall(_encode(message) + _encode(ask))      # "done", then an ask behind it
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            time.sleep(3)
            channel.sock.sendall(b" ")
            while True:
                time.sleep(1000)                                        # never exits
        return _encode(message)
    _proto.encode_message = encode
"""


def grade_in_a_process(root, tier, hide, seconds=240):
    """``python -m autograder grade`` in a process of its own, bounded: (records by student, the
    largest resident size of it and its workers, MB)."""
    import resource
    import subprocess
    import sys
    out = root.parent / f"{root.name}.json"
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], timeout=%d); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)" % seconds)
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "autograder", "grade", str(root),
                           "--json", str(out), "--jobs", "1", "--timeout", "1", "--sandbox", tier]
                          + (["--hide-reference"] if hide else []),
                          capture_output=True, text=True, cwd=COURSE.root, timeout=seconds + 30)
    assert done.returncode == 0, done.stderr[-3000:]
    del resource
    records = {r["student"]: r for r in json.loads(out.read_text())["submissions"]}
    return records, int(done.stdout.split()[-1]) / 1024


@pytest.mark.parametrize("hide", [True, False], ids=["hidden", "default"])
def test_a_child_cannot_hold_or_swell_the_grader(tmp_path, hide):
    """Asks written and never read (the grader's replies once blocked it forever, in both modes);
    with the option also a schedule asked for 10**6 ** 10**6, tuples multiplied into 3e8 items, an
    ask behind "done" (it made the record the grader's failure): each costs the function that did
    it, no more."""
    tier = "bwrap" if available("bwrap") else "restricted"
    root = tmp_path / "class"
    attacks = {"a-flood": ("sgd", FLOOD)}           # without the option, asks themselves are refused
    if hide:
        attacks.update({"b-powers": ("sgd_momentum", BIG_POWERS), "c-tuples": ("adam", BIG_TUPLES)})
    for name, (function, code) in attacks.items():
        make_submission(root / name, {function: code})
    from autograder.cycle.fabricate import correct_answers
    if hide:
        make_submission(root / "d-ask-after-done", {"adam": ASK_AFTER_DONE + correct_answers()["adam"]})
    make_submission(root / "e-honest")
    records, peak_mb = grade_in_a_process(root, tier, hide)
    for name, (function, _) in attacks.items():
        got = {f["function"]: f["score"] for f in records[name]["functions"]}
        assert got[function] == 0 and sum(got.values()) == MAX - POINTS[function], (name, got)
    if hide:
        late = records["d-ask-after-done"]
        assert late["score"] == MAX and not any(c.get("grader_error") for c in late["cases"]), late["problems"]
        assert all(p.get("kind") != "grader_error" for p in late["problems"]), late["problems"]
    assert records["e-honest"]["score"] == MAX
    assert peak_mb < 1500, peak_mb


def test_the_same_verdicts_with_and_without_the_option(tmp_path):
    """Catalogued mistakes of the functions that are given reference functions (every fourth),
    graded both ways: the same status and points case by case (all 64 variants: the same too,
    measured once; ``benchmarks/throughput.py --hide-reference`` builds that class)."""
    from autograder.engine.assignment import plan
    builds_on = {c["function"] for calls, names, _ in plan(COURSE) if names for c in calls}
    entries = [e for e in COURSE.content.catalogue_entries() if e.function in builds_on and not e.accepted][::4]
    assert len(entries) >= 6
    for i, entry in enumerate(entries):
        make_submission(tmp_path / f"s{i:02d}", {entry.function: entry.source()})
    tier = "bwrap" if available("bwrap") else "restricted"
    verdicts = {hide: {s: [(c.case, c.status, c.points, c.max_points) for c in r.cases]
                       for s, r in graded(tmp_path, tier, hide).items()} for hide in (False, True)}
    assert verdicts[True] == verdicts[False]
    lost = [s for s, cases in verdicts[True].items() if any(p < m for _, _, p, m in cases)]
    assert len(lost) == len(entries)                   # every one of them a mistake that costs points
