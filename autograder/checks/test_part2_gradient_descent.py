"""Hidden checks of 2_gradient_descent.ipynb: each case's whole output against the reference."""
import pytest

from autograder.cases import cases_of


@pytest.mark.parametrize("case", cases_of("gradient_descent"), ids=str)
def test_gradient_descent(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("line_search"), ids=str)
def test_line_search(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("gradient_descent_line_search"), ids=str)
def test_gradient_descent_line_search(case, judge):
    judge(case)
