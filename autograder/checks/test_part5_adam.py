"""Hidden checks of 5_adam.ipynb: each case's whole output against the reference."""
import pytest

from autograder.cases import cases_of


@pytest.mark.parametrize("case", cases_of("normalized_gradient_descent"), ids=str)
def test_normalized_gradient_descent(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("adam"), ids=str)
def test_adam(case, judge):
    judge(case)
