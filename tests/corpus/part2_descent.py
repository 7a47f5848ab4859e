"""Part 2 (2_gradient_descent.ipynb): gradient_descent, line_search, gradient_descent_line_search."""
from . import Impl
from .names import FLOAT32, NO_RETURN

ASCENT = "named:gradient ascent (phi + alpha g)"
LESS_EQUAL = "named:rule 2 with <= instead of <"
STRICT_RULE_ONE = "named:rule 1 without ties (f(a) strictly smallest)"
HALVING = "named:rule 1 halves b, c, d instead of moving them halfway towards a"
THIRDS = "named:starts at exact thirds (1/3, 2/3) instead of 0.33, 0.66"
NO_MAX_ITER = "named:ignores max_iter"
EXTRA_ITERATION = "named:one iteration too many (n_iter <= max_iter)"
UPHILL = "named:searches uphill: loss(phi + a g)"
DEFAULTS = "named:line search with its default arguments"

# A student's line_search with exact thirds (used through `also`).
LINE_SEARCH_THIRDS = """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, max_dist / 3, 2 * max_dist / 3, max_dist
    n_iter = 0
    while abs(b - c) > tol and n_iter < max_iter:
        n_iter += 1
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if np.argmin([fa, fb, fc, fd]) == 0:
            b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2
        elif fb < fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2
"""


def _line_search(start="0.33 * max_dist, 0.66 * max_dist", loop="while abs(b - c) > tol and n_iter < max_iter:",
                 rule1="np.argmin([fa, fb, fc, fd]) == 0",
                 shrink="b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2",
                 rule2="fb < fc", result="(b + c) / 2", count="n_iter += 1"):
    """The lecture's bracketing search as a student types it, with one piece changed."""
    return f"""
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, {start}, max_dist
    n_iter = 0
    {loop}
        {count}
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if {rule1}:
            {shrink}
        elif {rule2}:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return {result}
"""


ENTRIES = [
    # ---- gradient_descent ----------------------------------------------------------------
    Impl("gradient_descent", "preallocated", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    path = np.empty((n_steps + 1, len(phi0)))
    path[0] = phi0
    for k in range(n_steps):
        path[k + 1] = path[k] - learning_rate * grad(path[k], x, y)
    return path
""", "full"),
    Impl("gradient_descent", "inplace-on-copy", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.copy(phi0)
    path = [phi.copy()]
    for _ in range(n_steps):
        phi -= learning_rate * grad(phi, x, y)
        path.append(phi.copy())
    return np.vstack(path)
""", "full"),
    Impl("gradient_descent", "ascent", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        step = -learning_rate * grad(phi, x, y)
        phi = phi - step
        path.append(phi)
    return np.array(path)
""", ASCENT, note="a sign slip in a separate step variable"),
    Impl("gradient_descent", "one-step-short", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(1, n_steps):
        phi = phi - learning_rate * grad(phi, x, y)
        path.append(phi)
    return np.array(path)
""", "wrong", note="n_steps - 1 steps (right only for n_steps = 0)"),
    Impl("gradient_descent", "gradient-at-start", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    g = grad(phi0, x, y)
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        phi = phi - learning_rate * g
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of ascent: the gradient is computed once, at phi0"),
    Impl("gradient_descent", "no-row-zero", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = []
    for _ in range(n_steps):
        phi = phi - learning_rate * grad(phi, x, y)
        path.append(phi)
    return np.array(path)
""", "wrong"),
    Impl("gradient_descent", "never-moves", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    return np.tile(phi0, (n_steps + 1, 1))
""", "zero", note="issue 11: earns the n_steps = 0 case today"),
    Impl("gradient_descent", "zeros", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    return np.zeros((n_steps + 1, 2))
""", "zero"),
    Impl("gradient_descent", "alias-phi0", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = phi0
    path = [phi.copy()]
    for _ in range(n_steps):
        phi -= learning_rate * grad(phi, x, y)
        path.append(phi.copy())
    return np.array(path)
""", "inplace", note="issue 11: right values, but phi0 ends at the last point"),
    Impl("gradient_descent", "alias-phi0-no-copy", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = phi0
    path = [phi0.copy()]
    for _ in range(n_steps):
        phi -= learning_rate * grad(phi, x, y)
        path.append(phi)
    return np.array(path)
""", "inplace", note="phi0 changed, and every appended row is the same array"),
    Impl("gradient_descent", "list-of-arrays", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        phi = phi - learning_rate * grad(phi, x, y)
        path.append(phi)
    return path
""", "types:a list of arrays"),
    Impl("gradient_descent", "list-of-lists", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi.tolist()]
    for _ in range(n_steps):
        phi = phi - learning_rate * grad(phi, x, y)
        path.append(phi.tolist())
    return path
""", "types:a list of lists"),
    Impl("gradient_descent", "float32", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    path = np.zeros((n_steps + 1, 2), dtype=np.float32)
    path[0] = phi0
    for t in range(n_steps):
        path[t + 1] = path[t] - learning_rate * grad(path[t], x, y)
    return path
""", "named:" + FLOAT32),
    Impl("gradient_descent", "no-return", """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        phi = phi - learning_rate * grad(phi, x, y)
        path.append(phi)
    path = np.array(path)
""", "named:" + NO_RETURN),

    # ---- line_search ---------------------------------------------------------------------
    Impl("line_search", "recursive", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    def search(a, b, c, d, left):
        if abs(b - c) <= tol or left == 0:
            return (b + c) / 2
        values = [f(a), f(b), f(c), f(d)]
        if np.argmin(values) == 0:
            return search(a, a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2, left - 1)
        if values[1] < values[2]:
            return search(a, a + (c - a) / 3, a + 2 * (c - a) / 3, c, left - 1)
        return search(b, b + (d - b) / 3, b + 2 * (d - b) / 3, d, left - 1)
    return search(0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist, max_iter)
""", "full"),
    Impl("line_search", "min-with-ties", _line_search(rule1="fa <= min(fb, fc, fd)"), "full",
         note="f(a) <= min of the others is np.argmin(...) == 0"),
    Impl("line_search", "for-break", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    for _ in range(max_iter):
        if abs(b - c) <= tol:
            break
        values = [f(a), f(b), f(c), f(d)]
        if values.index(min(values)) == 0:
            b = a + (b - a) / 2
            c = a + (c - a) / 2
            d = a + (d - a) / 2
        elif values[1] < values[2]:
            d = c
            b = a + (d - a) / 3
            c = a + 2 * (d - a) / 3
        else:
            a = b
            b = a + (d - a) / 3
            c = a + 2 * (d - a) / 3
    return (b + c) / 2
""", "full"),
    Impl("line_search", "less-equal", _line_search(rule2="fc >= fb"), LESS_EQUAL),
    Impl("line_search", "strict-rule-one", _line_search(rule1="fa < fb and fa < fc and fa < fd"), STRICT_RULE_ONE),
    Impl("line_search", "halving", _line_search(shrink="b, c, d = 0.5 * b, 0.5 * c, 0.5 * d"), HALVING,
         note="the pre-2024 notebook copies"),
    Impl("line_search", "thirds", _line_search(start="max_dist / 3, 2 * max_dist / 3"), THIRDS),
    Impl("line_search", "forgot-increment", _line_search(count="pass"), NO_MAX_ITER,
         note="n_iter never increases: stops by tol only"),
    Impl("line_search", "extra-iteration", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    for _ in range(max_iter + 1):
        if abs(b - c) <= tol:
            break
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if np.argmin([fa, fb, fc, fd]) == 0:
            b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2
        elif fb < fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2
""", EXTRA_ITERATION),
    Impl("line_search", "returns-b", _line_search(result="b"), "wrong",
         note="issue 11: named 'one iteration too many' today"),
    Impl("line_search", "no-rule-one", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    n_iter = 0
    while abs(b - c) > tol and n_iter < max_iter:
        n_iter += 1
        if f(b) < f(c):
            d = c
        else:
            a = b
        b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2
""", "wrong", note="issue 11: rule 1 missing altogether, named 'rule 1 without ties' today"),
    Impl("line_search", "quarter-bracket", _line_search(start="0.25 * max_dist, 0.75 * max_dist"), "wrong",
         note="issue 11: a 0.25/0.75 start, named 'exact thirds' today"),
    Impl("line_search", "returns-a-d-middle", _line_search(result="(a + d) / 2"), "wrong"),
    Impl("line_search", "one-iteration-short", _line_search(loop="while abs(b - c) > tol and n_iter < max_iter - 1:"),
         "wrong", note="near miss of 'one iteration too many': one too few"),
    Impl("line_search", "ignores-tol", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    for _ in range(max_iter):
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if np.argmin([fa, fb, fc, fd]) == 0:
            b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2
        elif fb < fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2
""", "wrong", note="near miss of 'ignores max_iter': ignores tol instead"),
    Impl("line_search", "or-instead-of-and", _line_search(loop="while abs(b - c) > tol or n_iter < max_iter:"),
         "wrong", note="near miss of 'ignores max_iter': runs until both tol and max_iter are reached"),
    Impl("line_search", "rule-one-vs-b-only", _line_search(rule1="fa <= fb"), "wrong",
         note="near miss of 'rule 1 without ties': f(a) compared with f(b) only"),
    Impl("line_search", "continue-not-break", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    n_iter = 0
    while n_iter < max_iter:
        if abs(b - c) <= tol:
            continue
        n_iter += 1
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if np.argmin([fa, fb, fc, fd]) == 0:
            b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2
        elif fb < fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2
""", "wrong", note="loops forever once |b - c| <= tol (a hang: the grader's time limit, and the self-check's)"),
    Impl("line_search", "zero", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    return 0.0
""", "zero"),
    Impl("line_search", "no-iterations", """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    b, c = 0.33 * max_dist, 0.66 * max_dist
    return (b + c) / 2
""", "zero", note="the starting midpoint, whatever f is"),

    # ---- gradient_descent_line_search ----------------------------------------------------
    Impl("gradient_descent_line_search", "keywords", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        f = lambda a: loss(phi - a * g, x, y)
        alpha = line_search(f, max_dist=max_dist, tol=tol, max_iter=max_iter)
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("gradient_descent_line_search", "direction", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    path = np.zeros((n_steps + 1, 2))
    path[0] = phi0
    for t in range(n_steps):
        phi = path[t]
        direction = -grad(phi, x, y)

        def along(a):
            return loss(phi + a * direction, x, y)

        path[t + 1] = phi + line_search(along, max_dist, tol, max_iter) * direction
    return path
""", "full", note="phi + a * (-g) is phi - a * g exactly"),
    Impl("gradient_descent_line_search", "own-line-search-thirds", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi - a * g, x, y), max_dist, tol, max_iter)
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
""", "full", also={"line_search": LINE_SEARCH_THIRDS},
         note="right descent on the student's own (thirds) line search: isolation"),
    Impl("gradient_descent_line_search", "uphill", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda step: loss(phi + step * g, x, y), max_dist, tol, max_iter)
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
""", UPHILL, note="notebook 6.3's sign convention, with the gradient instead of its negative"),
    Impl("gradient_descent_line_search", "defaults", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi - a * g, x, y))
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
""", DEFAULTS),
    Impl("gradient_descent_line_search", "only-max-dist", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi - a * g, x, y), max_dist)
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'default arguments': max_dist passed on, tol and max_iter not"),
    Impl("gradient_descent_line_search", "steps-uphill", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi - a * g, x, y), max_dist, tol, max_iter)
        phi = phi + alpha * g
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'searches uphill': searches downhill, then steps uphill"),
    Impl("gradient_descent_line_search", "unit-direction", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        d = g / np.linalg.norm(g)
        alpha = line_search(lambda a: loss(phi - a * d, x, y), max_dist, tol, max_iter)
        phi = phi - alpha * d
        path.append(phi)
    return np.array(path)
""", "wrong", note="searches along the unit vector"),
    Impl("gradient_descent_line_search", "never-moves", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    return np.array([phi0] * (n_steps + 1), dtype=float)
""", "zero"),
    Impl("gradient_descent_line_search", "alias-phi0", """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = phi0
    path = [phi.copy()]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi - a * g, x, y), max_dist, tol, max_iter)
        phi -= alpha * g
        path.append(phi.copy())
    return np.array(path)
""", "inplace"),
]
