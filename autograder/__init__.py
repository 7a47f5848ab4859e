"""An auto-graded nbgrader assignment on fitting models, graded by comparing whole trajectories.

    course.py       where the course is; the graded functions (from the source notebooks)
    fitting_models/ the assignment's content: cases, test inputs, catalogue of mistakes, plots
    engine/         the grader: protocol, sandbox, hidden tests, comparison, verdicts, scoring, ledger
    exporters/      text tables, nbgrader gradebook, Gradescope results, feedback pages
    cycle/          build the release, nbgrader commands, the demo class, synthetic submissions, Gradescope
    incell.py       what the notebooks' hidden-test cells call under nbgrader autograde
    cli.py          python -m autograder ...
"""
