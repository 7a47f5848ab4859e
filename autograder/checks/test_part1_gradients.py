"""Hidden checks of 1_gradients.ipynb: each case's whole output against the reference."""
import pytest

from autograder.cases import cases_of


@pytest.mark.parametrize("case", cases_of("parabola_slope"), ids=str)
def test_parabola_slope(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("linear_loss"), ids=str)
def test_linear_loss(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("numerical_gradient"), ids=str)
def test_numerical_gradient(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("linear_gradient"), ids=str)
def test_linear_gradient(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("gabor_model"), ids=str)
def test_gabor_model(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("gabor_loss"), ids=str)
def test_gabor_loss(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("gabor_gradient"), ids=str)
def test_gabor_gradient(case, judge):
    judge(case)
