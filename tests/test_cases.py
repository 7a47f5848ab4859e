"""The hidden cases and how they are split over sandboxed children."""
from autograder import course
from autograder.engine import assignment, reference


def test_every_graded_function_has_cases_and_a_hidden_test():
    from autograder.engine.hidden.plugin import hidden_tests
    graded = {g.name for g in course.current().graded}
    assert set(hidden_tests()) == graded == set(course.current().content.hidden_cases())
    assert all(len(assignment.cases_of(name)) >= 3 for name in graded)


def test_optimizer_cases_cover_both_datasets_and_batch_sizes():
    for name in ["sgd", "sgd_momentum", "sgd_nesterov", "normalized_gradient_descent", "adam"]:
        found = assignment.cases_of(name)
        assert {c.dataset for c in found} == {"linear", "gabor"}
        sizes = {len(b) for c in found for b in c.args[4]["$batches"]}
        assert 1 in sizes and len(sizes) >= 3, name


def test_cases_carry_their_dataset_and_inputs_as_data():
    case = assignment.cases_of("sgd")[0]
    assert case.dataset == "gabor" and case.inputs == {"gabor_gradient"}
    schedule = next(c for c in assignment.cases_of("sgd") if "step_decay" in c.about)
    assert schedule.inputs == {"gabor_gradient", "step_decay"}
    assert assignment.cases_of("line_search")[0].inputs == {"lecture_curve"} and \
        assignment.cases_of("line_search")[0].dataset is None


def test_builds_on_covers_what_the_reference_calls():
    graded = {g.name for g in course.current().graded}
    for name in graded:
        used = (reference.closure([name]) - {name}) & graded
        assert used <= set(assignment.builds_on().get(name, ())), name


def test_no_function_is_checked_after_its_reference_reached_the_sandbox():
    every, held = [], set()
    stages = assignment.stages()
    cases = assignment.all_cases()
    for k, stage in enumerate(stages):
        held |= stage.needs
        later = {cases[i].function for s in stages[k:] for i in s.ids}
        assert not held & later, (k, held & later)
        every += stage.ids
    assert sorted(every) == list(range(len(cases)))
    assert len(stages) == 3
    sgd_stage = next(k for k, s in enumerate(stages) if any(cases[i].function == "sgd" for i in s.ids))
    decay_stage = next(k for k, s in enumerate(stages) if any(cases[i].function == "step_decay" for i in s.ids))
    assert decay_stage < sgd_stage          # the schedule sgd is given is made by the reference step_decay


def test_case_ids_are_unique_and_stable():
    ids = [c.id for c in assignment.all_cases()]
    assert len(ids) == len(set(ids))
    assert "sgd_momentum[gabor-(-1.5, 6.5)-lr0.6-beta0.6-81b]" in ids
