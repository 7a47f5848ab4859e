"""The math of every reference function (from source/), against independent checks: finite
differences, closed forms, hand-computed steps, identities, and the UDL notebooks' check values."""
import numpy as np
import pytest

from autograder import course
from autograder.engine import reference

F = reference.functions()
TOOLS = course.current().tools
X, Y = TOOLS.LINEAR_X, TOOLS.LINEAR_Y
GX, GY = TOOLS.GABOR_X, TOOLS.GABOR_Y
linear_gradient = reference.environment()["inputs"]["linear_gradient"]
gabor_gradient = reference.environment()["inputs"]["gabor_gradient"]
gabor_loss = reference.environment()["inputs"]["gabor_loss"]


def central(f, phi, h=1e-6):
    phi = np.asarray(phi, dtype=float)
    return np.array([(f(phi + h * e) - f(phi - h * e)) / (2 * h) for e in np.eye(len(phi))])


def valley(phi, x=None, y=None):          # UDL notebook 6.5's loss
    return 1 - np.exp(-2 * phi[1] ** 2) * np.exp(-(phi[0] - 0.7) ** 2 / 8)


def valley_gradient(phi, x=None, y=None):
    return central(valley, phi, 1e-5)


ONE = [np.array([0])]


def test_parabola_slope_is_the_derivative():
    xs = np.linspace(-3, 7, 11)
    numeric = [central(lambda v: v[0] ** 2 - 4 * v[0] + 5, [x])[0] for x in xs]
    assert np.allclose(F["parabola_slope"](xs), numeric, atol=1e-6)
    assert [F["parabola_slope"](x) for x in (2, 3, 4, 1, 0)] == [0, 2, 4, -2, -4]   # the lecture's slides


def test_losses_are_sums_with_the_udl_check_values():
    phi = np.array([0.6, -0.2])
    by_hand = sum((phi[0] + phi[1] * x - y) ** 2 for x, y in zip(X, Y))
    assert F["linear_loss"](phi, X, Y) == pytest.approx(by_hand, rel=1e-14)
    assert F["linear_loss"](phi, X, Y) == pytest.approx(12.366904, abs=1e-6)
    assert F["gabor_loss"](phi, GX, GY) == pytest.approx(16.418825, abs=1e-6)   # 15.544955 with /8
    z = 0.6 + 0.06 * -0.2 * GX
    assert F["gabor_model"](phi, GX) == pytest.approx(np.sin(z) * np.exp(-z ** 2 / 32))


@pytest.mark.parametrize("dataset", ["linear", "gabor"])
@pytest.mark.parametrize("phi", [(0.6, -0.2), (-1.5, 8.5), (3.5, 6.5), (1.0, 0.4), (-5.0, 25.0)])
@pytest.mark.parametrize("batch", [slice(None), [1, 3, 7]])
def test_gradients_match_finite_differences(dataset, phi, batch):
    x, y = TOOLS.DATASETS[dataset]
    x, y = x[batch], y[batch]
    loss, grad = F[f"{dataset}_loss"], F[f"{dataset}_gradient"]
    numeric = central(lambda p: loss(p, x, y), phi)
    assert grad(np.array(phi), x, y).shape == (2,)
    assert np.allclose(grad(np.array(phi), x, y), numeric, rtol=1e-6, atol=1e-6)


def test_gabor_gradient_udl_value():
    assert np.allclose(F["gabor_gradient"](np.array([-5.0, 25.0]), GX, GY), [3.344, 0.519], atol=1e-3)


def test_numerical_gradient_is_central():
    cubic = lambda p: p[0] ** 3 + 2 * p[1] ** 3
    assert np.allclose(F["numerical_gradient"](cubic, np.array([1.0, -1.0]), h=0.5), [3.25, 6.5])
    p = np.array([0.3, -0.7])
    assert np.allclose(F["numerical_gradient"](lambda q: F["gabor_loss"](q, GX, GY), p),
                       F["gabor_gradient"](p, GX, GY), rtol=1e-6)


def test_gradient_descent_closed_form_and_udl_run():
    bowl = lambda phi, x, y: 2 * phi
    path = F["gradient_descent"](bowl, np.array([1.0, -2.0]), X, Y, 0.1, 5)
    assert path.dtype == np.float64 and path.shape == (6, 2)
    assert np.allclose(path, np.array([1.0, -2.0]) * 0.8 ** np.arange(6)[:, None])
    path = F["gradient_descent"](gabor_gradient, np.array([-1.5, 8.5]), GX, GY, 0.2, 21)
    assert np.allclose(path[-1], [0.113349, 13.469440], atol=1e-6)      # UDL 6.3, fixed step
    assert gabor_loss(path[-1], GX, GY) == pytest.approx(1.388376, abs=1e-6)


def test_line_search_lecture_run():
    calls = []
    f = lambda a: calls.append(a) or (1 - 0.5 * np.exp(-(a - 0.65) ** 2 / 0.1) - 0.45 * np.exp(-(a - 0.35) ** 2 / 0.02))
    assert F["line_search"](f) == pytest.approx(0.3832312148, abs=1e-10)
    assert len(calls) == 40                                  # 10 iterations of 4 evaluations
    assert np.allclose(calls[4:8], [0.0, 0.22, 0.44, 0.66])  # iteration 2 of the UDL table
    assert F["line_search"](f, max_iter=100) == pytest.approx(0.380347, abs=1e-6)


def test_line_search_rules_on_ties():
    # rule 1 includes ties: on a constant function the bracket keeps moving towards a = 0
    assert F["line_search"](lambda a: 1.0, max_iter=50) < 1e-3
    # rule 2 is strict: f(b) == f(c) moves a to b (rule 3), so the result is right of 0.33
    assert F["line_search"](lambda a: 1.0 if a < 0.1 else 0.0) > 0.33


def test_gradient_descent_line_search_udl_runs():
    path = F["gradient_descent_line_search"](F["linear_loss"], linear_gradient, np.array([1.6, -0.5]), X, Y, 10,
                                             max_dist=0.1, tol=1e-5, max_iter=15)
    assert np.allclose(path[1], [1.708158, -0.203358], atol=1e-6)     # UDL 6.2 table
    assert F["linear_loss"](path[-1], X, Y) == pytest.approx(0.213405, abs=1e-6)
    path = F["gradient_descent_line_search"](gabor_loss, gabor_gradient, np.array([-1.5, 8.5]), GX, GY, 21,
                                             max_dist=2.0, tol=1e-5, max_iter=15)   # UDL 6.3's settings
    assert np.allclose(path[-1], [0.025038, 14.908546], atol=1e-6)
    assert gabor_loss(path[-1], GX, GY) == pytest.approx(0.783154, abs=1e-6)


def test_epoch_batches_lecture_table_and_permutation():
    batches = F["epoch_batches"](30, 5, np.random.RandomState(42))
    assert [b.tolist() for b in batches[:2]] == [[27, 15, 23, 17, 8], [9, 28, 24, 12, 0]]
    assert np.array_equal(np.concatenate(batches), np.random.RandomState(42).permutation(30))
    for n, size, rng in [(12, 5, np.random.default_rng(0)), (7, 1, np.random.RandomState(1)), (10, 10, np.random.default_rng(2))]:
        batches = F["epoch_batches"](n, size, rng)
        assert sorted(np.concatenate(batches).tolist()) == list(range(n))
        assert [len(b) for b in batches] == [size] * (n // size) + ([n % size] if n % size else [])


def test_batch_schedule_reshuffles_each_epoch():
    batches = F["batch_schedule"](30, 5, 3, np.random.RandomState(42))
    state = np.random.RandomState(42)
    for epoch in range(3):
        assert np.array_equal(np.concatenate(batches[6 * epoch:6 * epoch + 6]), state.permutation(30))


def test_sgd_identities():
    batches = [np.arange(30)] * 10
    full = F["sgd"](gabor_gradient, np.array([-1.5, 8.5]), GX, GY, batches, 0.2)
    assert np.array_equal(full, F["gradient_descent"](gabor_gradient, np.array([-1.5, 8.5]), GX, GY, 0.2, 10))
    constant = lambda phi, x, y: np.array([x.sum(), y.sum()])
    bs = [np.array([0, 1]), np.array([5])]
    path = F["sgd"](constant, np.zeros(2), X, Y, bs, lambda t: 0.1 * (t + 1))
    assert np.allclose(path[2], -0.1 * np.array([X[:2].sum(), Y[:2].sum()]) - 0.2 * np.array([X[5], Y[5]]))


def test_sgd_udl_run():
    state = np.random.RandomState(1)
    batches = [state.permutation(30)[:5] for _ in range(41)]
    path = F["sgd"](gabor_gradient, np.array([3.5, 6.5]), GX, GY, batches, 0.8)
    assert np.allclose(path[-1], [-0.496680, 12.268409], atol=1e-6)    # UDL 6.3 with np.random.seed(1)


def test_step_decay():
    schedule = F["step_decay"](0.8, 0.5, 10)
    assert [schedule(t) for t in (0, 9, 10, 25)] == pytest.approx([0.8, 0.8, 0.4, 0.2])


def test_momentum_identities_and_lecture_figures():
    batches = F["batch_schedule"](30, 5, 2, np.random.RandomState(0))
    for name in ("sgd_momentum", "sgd_nesterov"):
        # beta = 0: momentum is SGD
        assert np.allclose(F["sgd_momentum"](gabor_gradient, np.array([1.0, 9.0]), GX, GY, batches, 0.3, 0.0),
                           F["sgd"](gabor_gradient, np.array([1.0, 9.0]), GX, GY, batches, 0.3))
    constant = lambda phi, x, y: np.array([1.0, -2.0])
    path = F["sgd_momentum"](constant, np.zeros(2), X, Y, ONE * 4, 0.5, 0.6)
    assert np.allclose(path[1:, 0], -0.5 * np.cumsum([1 - 0.6 ** t for t in range(1, 5)]))
    bowl = lambda phi, x, y: 2 * phi
    assert np.allclose(F["sgd_nesterov"](bowl, np.array([1.0, -2.0]), X, Y, ONE * 3, 0.1, 0.5)[:, 0], [1, 0.9, 0.77, 0.641])
    per_step = lambda seed: [s.permutation(30)[:5] for s in [np.random.RandomState(seed)] for _ in range(81)]
    momentum = F["sgd_momentum"](gabor_gradient, np.array([-1.5, 6.5]), GX, GY, per_step(42), 0.6, 0.6)
    nesterov = F["sgd_nesterov"](gabor_gradient, np.array([-1.5, 6.5]), GX, GY, per_step(1), 0.6, 0.6)
    assert round(gabor_loss(momentum[-1], GX, GY), 2) == 0.96                # the lecture's figures
    assert round(gabor_loss(nesterov[-1], GX, GY), 2) == 0.80


def test_normalized_and_adam():
    start = np.array([-0.7, -0.9])
    path = F["normalized_gradient_descent"](valley_gradient, start, X, Y, ONE * 10, 0.08)
    assert np.allclose(np.abs(np.diff(path, axis=0)), 0.08)
    same = F["adam"](valley_gradient, start, X, Y, ONE * 10, 0.08, beta=0.0, gamma=0.0)
    assert np.allclose(same, path)
    path = F["adam"](valley_gradient, start, X, Y, ONE * 60, 0.05, eps=1e-20)
    assert np.allclose(path[2], [-0.599966, -0.799953], atol=1e-6)         # UDL 6.5
    assert np.allclose(path[-1], [0.667072540798379, 0.029500191751633972], atol=1e-8)
    first = F["adam"](gabor_gradient, np.array([1.0, 9.0]), GX, GY, [np.arange(30)], 0.1, beta=0.5, gamma=0.9)
    g = gabor_gradient(np.array([1.0, 9.0]), GX, GY)
    assert np.allclose(first[1], [1.0, 9.0] - 0.1 * np.sign(g))            # bias-corrected first step


def test_every_trajectory_is_float64_with_phi0_first():
    from autograder.engine.assignment import all_cases
    from autograder.engine.compare import is_path
    from autograder.engine.verdicts import reference_output
    paths = 0
    for case in all_cases():
        out = reference_output(case)
        if is_path(out.value if out.kind == "array" else None):
            assert out.dtype == "float64"
            start = next(a["$array"] for a in case.args if isinstance(a, dict) and "$array" in a)
            assert np.array_equal(out.value[0], start)
            paths += 1
    assert paths > 30
