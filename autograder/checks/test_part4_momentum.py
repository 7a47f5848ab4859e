"""Hidden checks of 4_momentum.ipynb: each case's whole output against the reference."""
import pytest

from autograder.cases import cases_of


@pytest.mark.parametrize("case", cases_of("sgd_momentum"), ids=str)
def test_sgd_momentum(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("sgd_nesterov"), ids=str)
def test_sgd_nesterov(case, judge):
    judge(case)
