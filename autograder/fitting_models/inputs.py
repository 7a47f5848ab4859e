"""Test inputs given to student functions that take a function (line_search, numerical_gradient).

These are not reference answers: they are sent to the sandbox with every job (phase A). The
reference losses and gradients of part 1 reach only the optimiser checks (phase B).
"""
import numpy as np


def lecture_curve(a):
    """The lecture's line-search example (UDL notebook 6.1): minimum near 0.3803."""
    return 1 - 0.5 * np.exp(-(a - 0.65) ** 2 / 0.1) - 0.45 * np.exp(-(a - 0.35) ** 2 / 0.02)


def cliff(a):
    """1 before 0.1, then flat at 0: f(b) == f(c) exactly (rule 2 is strict)."""
    return 1.0 if a < 0.1 else 0.0


def flat(a):
    """Constant: f(a) ties with every point (rule 1 includes ties)."""
    return 0.5


def uphill(a):
    """Increasing: the minimum is at 0, so the bracket keeps shrinking towards a."""
    return a + 0.1


def wiggle(a):
    """Many local minima: rule 1 fires after a has moved right of 0."""
    return np.cos(40 * a) + a


def wave(phi):
    """A smooth function of phi for numerical_gradient."""
    return np.sin(3 * phi[0]) * np.cos(phi[1]) + phi[0] ** 2 * phi[1]


def cubic(phi):
    """Central differences of a cubic with step h give 3 phi**2 + h**2 exactly."""
    return phi[0] ** 3 + 2 * phi[1] ** 3


def valley(phi):
    """A long curved valley (Rosenbrock's function, scaled)."""
    return 0.1 * (1 - phi[0]) ** 2 + 2.0 * (phi[1] - phi[0] ** 2) ** 2
