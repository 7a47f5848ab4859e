"""Hidden checks of 3_sgd.ipynb: each case's whole output against the reference."""
import pytest

from autograder.cases import cases_of


@pytest.mark.parametrize("case", cases_of("epoch_batches"), ids=str)
def test_epoch_batches(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("batch_schedule"), ids=str)
def test_batch_schedule(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("sgd"), ids=str)
def test_sgd(case, judge):
    judge(case)


@pytest.mark.parametrize("case", cases_of("step_decay"), ids=str)
def test_step_decay(case, judge):
    judge(case)
