"""Part 4 (4_momentum.ipynb): sgd_momentum, sgd_nesterov.

Nesterov under this assignment's contract (m <- beta m + (1 - beta) g, phi <- phi - alpha m):
- the contract (lecture): g at phi - alpha m (old m);
- the book's corrected form (accepted): g at phi - alpha beta m;
- Sutskever et al. (2013), v <- beta v - eps grad(theta + beta v), theta <- theta + v, is with
  v = -alpha m and the (1 - beta) weight exactly the book's form (accepted); without the (1 - beta)
  it is the book's look-ahead with an undamped m (a proposed new mistake);
- PyTorch's nesterov=True (buf <- beta buf + g; step g + beta buf, at phi) with the contract's
  (1 - beta): m <- beta m + (1 - beta) g(phi); phi <- phi - alpha (beta m + (1 - beta) g). Its
  trajectory is the sequence of the book form's look-ahead points phi_t - alpha beta m_t (same
  start, different from step 1 on): a proposed new mistake. Without the (1 - beta): wrong.
All of them reduce to SGD when beta = 0.
"""
from . import Impl
from .names import PYTORCH_NESTEROV, SUTSKEVER_UNDAMPED

NO_DAMPING = "named:momentum without (1 - beta)"
SWAPPED = "named:beta and (1 - beta) swapped"
FIRST_GRADIENT = "named:momentum starts at the first gradient"
OLD_M = "named:step with the old momentum"
BOOK = "accepted:look-ahead phi - alpha * beta * m (the book's corrected form)"
PLAIN = "named:gradient at phi, not at the look-ahead point (plain momentum)"
WRONG_SIGN = "named:look-ahead in the wrong direction (phi + alpha m)"
NESTEROV_NO_DAMPING = "named:Nesterov without (1 - beta)"

ENTRIES = [
    # ---- sgd_momentum --------------------------------------------------------------------
    Impl("sgd_momentum", "velocity", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    v = np.zeros(2)                        # v = learning_rate * m
    path = [phi]
    for b in batches:
        v = beta * v + learning_rate * (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - v
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("sgd_momentum", "ema-increment", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for b in batches:
        g = grad(phi, x[b], y[b])
        m += (1 - beta) * (g - m)
        phi = phi - learning_rate * m
        path.append(phi.copy())
    return np.array(path)
""", "full"),
    Impl("sgd_momentum", "damping-in-step", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    s = np.zeros(2)                        # s = m / (1 - beta)
    path = [phi]
    for b in batches:
        s = beta * s + grad(phi, x[b], y[b])
        phi = phi - learning_rate * (1 - beta) * s
        path.append(phi)
    return np.array(path)
""", "full", note="the (1 - beta) moved from m to the step: the same trajectory"),
    Impl("sgd_momentum", "pytorch", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    buf = None
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        buf = g.copy() if buf is None else beta * buf + g     # torch.optim.SGD(momentum=beta)
        phi = phi - learning_rate * buf
        path.append(phi)
    return np.array(path)
""", NO_DAMPING, note="PyTorch's momentum is the undamped form"),
    Impl("sgd_momentum", "swapped", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        m = beta * grad(phi, x[b], y[b]) + (1 - beta) * m
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", SWAPPED),
    Impl("sgd_momentum", "first-gradient", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        g = grad(phi, x[b], y[b])
        if t == 0:
            m = g
        else:
            m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", FIRST_GRADIENT),
    Impl("sgd_momentum", "old-m", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        new_phi = phi - learning_rate * m
        m = beta * m + (1 - beta) * g
        phi = new_phi
        path.append(phi)
    return np.array(path)
""", OLD_M),
    Impl("sgd_momentum", "bias-corrected", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for t, b in enumerate(batches):
        m = beta * m + (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - learning_rate * m / (1 - beta ** (t + 1))
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'starts at the first gradient': Adam's bias correction"),
    Impl("sgd_momentum", "double-damping", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        m = beta * m + (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - learning_rate * (1 - beta) * m
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'without (1 - beta)': (1 - beta) twice"),
    Impl("sgd_momentum", "momentum-unused", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * g
        path.append(phi)
    return np.array(path)
""", "wrong", note="steps with g, not m (plain SGD): right only when beta = 0"),
    Impl("sgd_momentum", "never-moves", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    return np.repeat(np.asarray(phi0, dtype=float)[None, :], len(batches) + 1, axis=0)
""", "zero"),
    Impl("sgd_momentum", "alias-phi0", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = phi0
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for b in batches:
        m = beta * m + (1 - beta) * grad(phi, x[b], y[b])
        phi -= learning_rate * m
        path.append(phi.copy())
    return np.array(path)
""", "inplace"),
    Impl("sgd_momentum", "list-of-arrays", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        m = beta * m + (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - learning_rate * m
        path.append(phi)
    return path
""", "types:a list of arrays"),

    # ---- sgd_nesterov --------------------------------------------------------------------
    Impl("sgd_nesterov", "explicit-look-ahead", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        look_ahead = phi - learning_rate * m
        g = grad(look_ahead, x[b], y[b])
        m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("sgd_nesterov", "velocity", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    v = np.zeros(2)                          # v = learning_rate * m
    path = [phi]
    for b in batches:
        v = beta * v + learning_rate * (1 - beta) * grad(phi - v, x[b], y[b])
        phi = phi - v
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("sgd_nesterov", "sutskever-lecture-look-ahead", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    v = np.zeros(2)                          # v = -learning_rate * m
    path = [phi]
    for b in batches:
        v = beta * v - learning_rate * (1 - beta) * grad(phi + v, x[b], y[b])
        phi = phi + v
        path.append(phi)
    return np.array(path)
""", "full", note="phi + v with v = -alpha m is the lecture's look-ahead phi - alpha m"),
    Impl("sgd_nesterov", "book", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        ahead = phi - learning_rate * beta * m
        m = beta * m + (1 - beta) * grad(ahead, x[b], y[b])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", BOOK),
    Impl("sgd_nesterov", "sutskever", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    theta = np.array(phi0, dtype=float)
    v = np.zeros(2)
    path = [theta]
    for b in batches:
        # Sutskever et al. 2013, with the assignment's (1 - beta) weight
        v = beta * v - learning_rate * (1 - beta) * grad(theta + beta * v, x[b], y[b])
        theta = theta + v
        path.append(theta)
    return np.array(path)
""", BOOK, note="Sutskever's form with the (1 - beta) weight is exactly the book's form"),
    Impl("sgd_nesterov", "plain-momentum", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", PLAIN, note="issue 11: also shown the book's accepted form today (beta = 0 case)"),
    Impl("sgd_nesterov", "look-ahead-unused", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        ahead = phi - learning_rate * m
        m = beta * m + (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", PLAIN, note="computes the look-ahead point, then passes phi"),
    Impl("sgd_nesterov", "look-ahead-plus", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi + learning_rate * m, x[b], y[b])
        m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", WRONG_SIGN),
    Impl("sgd_nesterov", "undamped", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi.copy()]
    for b in batches:
        m = beta * m + grad(phi - learning_rate * m, x[b], y[b])
        phi -= learning_rate * m
        path.append(phi.copy())
    return np.array(path)
""", NESTEROV_NO_DAMPING),
    Impl("sgd_nesterov", "pytorch", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * (beta * m + (1 - beta) * g)     # torch's nesterov=True step
        path.append(phi)
    return np.array(path)
""", "named:" + PYTORCH_NESTEROV, note="issue 11: PyTorch-style Nesterov, the same wrong names as plain momentum today"),
    Impl("sgd_nesterov", "sutskever-undamped", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    v = np.zeros(2)
    path = [phi]
    for b in batches:
        v = beta * v - learning_rate * grad(phi + beta * v, x[b], y[b])    # Sutskever et al. 2013
        phi = phi + v
        path.append(phi)
    return np.array(path)
""", "named:" + SUTSKEVER_UNDAMPED),
    Impl("sgd_nesterov", "pytorch-undamped", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    buf = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        buf = beta * buf + g
        phi = phi - learning_rate * (g + beta * buf)                 # torch.optim.SGD(nesterov=True)
        path.append(phi)
    return np.array(path)
""", "wrong", note="PyTorch's formula as written (no (1 - beta))"),
    Impl("sgd_nesterov", "pytorch-momentum", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    buf = np.zeros(2)
    path = [phi]
    for b in batches:
        buf = beta * buf + grad(phi, x[b], y[b])
        phi = phi - learning_rate * buf
        path.append(phi)
    return np.array(path)
""", "wrong", note="plain undamped momentum: neither 'plain momentum' nor 'Nesterov without (1 - beta)' alone"),
    Impl("sgd_nesterov", "look-ahead-without-rate", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi]
    for b in batches:
        m = beta * m + (1 - beta) * grad(phi - m, x[b], y[b])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)
""", "wrong", note="look-ahead phi - m"),
    Impl("sgd_nesterov", "never-moves", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    path = np.empty((len(batches) + 1, 2))
    path[:] = phi0
    return path
""", "zero"),
    Impl("sgd_nesterov", "alias-phi0", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = phi0
    m = np.zeros(2)
    path = [phi.copy()]
    for b in batches:
        m = beta * m + (1 - beta) * grad(phi - learning_rate * m, x[b], y[b])
        phi -= learning_rate * m
        path.append(phi.copy())
    return np.array(path)
""", "inplace"),
]
