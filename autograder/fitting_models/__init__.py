"""The assignment "Fitting models": everything that knows its 18 graded functions.

- ``cases.py``: the hidden cases (inputs built from explicit seeds);
- ``inputs.py``: the test functions handed to students' code (not reference answers);
- ``catalogue/``: known mistakes and accepted variants, one module per notebook;
- ``plots.py``: the feedback figure of a failed trajectory (loss contours over (phi0, phi1)).

The engine (``autograder.engine``) asks this package for its data (``TOOLS``, ``BUILDS_ON``,
``hidden_cases``, ``catalogue_entries``, ``feedback_figure``, ``inputs``) and never names a function.
"""
from functools import lru_cache

from . import inputs  # noqa: F401 - the test functions (the engine sends their source to the sandbox)

TOOLS = "fitting_tools.py"        # the helper module released with the notebooks

# Graded functions that a student's function may build on (the reference calls them, or students
# often do). Their cases run with the REFERENCE version in its place, so a mistake in one function
# costs that function's points only (tests/test_cases.py checks that the reference calls nothing else).
BUILDS_ON = {"gabor_loss": ("gabor_model",), "gabor_gradient": ("gabor_model",),
             "batch_schedule": ("epoch_batches",), "gradient_descent_line_search": ("line_search",)}


@lru_cache(maxsize=None)
def hidden_cases():
    """{function: tuple of Case}."""
    from .cases import build
    return build()


def catalogue_entries(function=None):
    """The catalogued mistakes and accepted variants (of one function)."""
    from .catalogue import entries
    return entries(function)


def feedback_figure(result):
    """The feedback figure of a failed trajectory case: (PNG data URI, notes), or None."""
    from . import plots
    return plots.plot_check(result) if plots.plottable(result) else None
