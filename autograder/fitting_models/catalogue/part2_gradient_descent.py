"""Part 2: gradient descent and line search."""
import numpy as np

from . import mistake


def line_search(*args, **kwargs):
    """In a student's notebook this name is their own line_search; here, the reference's."""
    from ...engine.reference import functions
    return functions()["line_search"](*args, **kwargs)


@mistake("gradient_descent", "gradient ascent (phi + alpha g)",
         "Move AGAINST the gradient: phi <- phi - learning_rate * grad.")
def gradient_ascent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for _ in range(n_steps):
        phi = phi + learning_rate * grad(phi, x, y)
        path.append(phi)
    return np.array(path)


@mistake("line_search", "rule 2 with <= instead of <",
         "Rule 2 is strict: only if f(b) < f(c) does d move to c; a tie goes to rule 3 (a = b).")
def line_search_less_equal(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    n_iter = 0
    while abs(b - c) > tol and n_iter < max_iter:
        n_iter += 1
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if np.argmin([fa, fb, fc, fd]) == 0:
            b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2
        elif fb <= fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2


@mistake("line_search", "rule 1 without ties (f(a) strictly smallest)",
         "Rule 1 applies when f(a) is the smallest of the four, ties included (np.argmin(...) == 0).")
def line_search_strict_rule_one(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    n_iter = 0
    while abs(b - c) > tol and n_iter < max_iter:
        n_iter += 1
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if fa < min(fb, fc, fd):
            b, c, d = a + (b - a) / 2, a + (c - a) / 2, a + (d - a) / 2
        elif fb < fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2


@mistake("line_search", "rule 1 halves b, c, d instead of moving them halfway towards a",
         "Rule 1 moves each point halfway towards a: b = a + (b - a) / 2 (the same as b / 2 only while a = 0).")
def line_search_halving(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    n_iter = 0
    while abs(b - c) > tol and n_iter < max_iter:
        n_iter += 1
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if np.argmin([fa, fb, fc, fd]) == 0:
            b, c, d = b / 2, c / 2, d / 2
        elif fb < fc:
            d = c
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
        else:
            a = b
            b, c = a + (d - a) / 3, a + 2 * (d - a) / 3
    return (b + c) / 2


@mistake("line_search", "starts at exact thirds (1/3, 2/3) instead of 0.33, 0.66",
         "The bracket starts at 0, 0.33, 0.66, 1 times max_dist (as in the lecture), not exact thirds.")
def line_search_thirds(f, max_dist=1.0, tol=1e-4, max_iter=10):
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


@mistake("line_search", "ignores max_iter",
         "Stop when |b - c| <= tol OR after max_iter iterations, whichever comes first.")
def line_search_no_max_iter(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    while abs(b - c) > tol:
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


@mistake("line_search", "one iteration too many (n_iter <= max_iter)",
         "Run at most max_iter iterations: while ... and n_iter < max_iter, counting from 0.")
def line_search_extra_iteration(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    n_iter = 0
    while abs(b - c) > tol and n_iter <= max_iter:
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


@mistake("gradient_descent_line_search", "searches uphill: loss(phi + a g)",
         "The 1-D function is f(a) = loss(phi - a * g, x, y): search along the NEGATIVE gradient.")
def line_search_uphill(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi + a * g, x, y), max_dist, tol, max_iter)
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)


@mistake("gradient_descent_line_search", "line search with its default arguments",
         "Pass max_dist, tol and max_iter on to line_search.")
def line_search_defaults(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for _ in range(n_steps):
        g = grad(phi, x, y)
        alpha = line_search(lambda a: loss(phi - a * g, x, y))
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
