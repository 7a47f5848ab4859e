"""The hidden cases and how they are split over sandboxed children."""
from autograder import cases, course, reference


def test_every_graded_function_has_cases_and_a_check():
    import autograder.checks as checks
    import pkgutil, importlib
    tests = set()
    for module in pkgutil.iter_modules(checks.__path__):
        tests |= {n[len("test_"):] for n in dir(importlib.import_module(f"autograder.checks.{module.name}"))
                  if n.startswith("test_")}
    graded = {g.name for g in course.graded()}
    assert tests == graded == set(cases.BUILDERS)
    assert all(len(cases.cases_of(name)) >= 3 for name in graded)


def test_optimizer_cases_cover_both_datasets_and_batch_sizes():
    for name in ["sgd", "sgd_momentum", "sgd_nesterov", "normalized_gradient_descent", "adam"]:
        found = cases.cases_of(name)
        assert {c.dataset for c in found} == {"linear", "gabor"}
        sizes = {len(b) for c in found for b in c.args[4]["$batches"]}
        assert 1 in sizes and len(sizes) >= 3, name


def test_builds_on_covers_what_the_reference_calls():
    graded = {g.name for g in course.graded()}
    for name in graded:
        used = (reference.closure([name]) - {name}) & graded
        assert used <= set(cases.BUILDS_ON.get(name, ())), name


def test_no_function_is_checked_after_its_reference_reached_the_sandbox():
    every, held = [], set()
    stages = cases.stages()
    for k, (needs, ids) in enumerate(stages):
        held |= needs
        later = {cases.all_cases()[i].function for _, ids_ in stages[k:] for i in ids_}
        assert not held & later, (k, held & later)
        every += ids
    assert sorted(every) == list(range(len(cases.all_cases())))
    assert len(stages) == 3


def test_case_ids_are_unique_and_stable():
    ids = [c.id for c in cases.all_cases()]
    assert len(ids) == len(set(ids))
    assert "sgd_momentum[gabor-(-1.5, 6.5)-lr0.6-beta0.6-81b]" in ids
