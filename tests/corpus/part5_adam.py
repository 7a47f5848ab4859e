"""Part 5 (5_adam.ipynb): normalized_gradient_descent, adam."""
from . import Impl
from .names import FLOAT32, NO_RETURN

EPS_INSIDE_NORMALIZED = "accepted:eps inside the square root, sqrt(g^2 + eps)"
BY_NORM = "named:divided by the vector norm |g| instead of element by element"
NO_EPS = "named:eps ignored"
EPS_INSIDE_ADAM = "accepted:eps inside the square root, sqrt(v_hat + eps) (as on one lecture slide)"
NO_CORRECTION = "named:no bias correction"
CORRECTION_T = "named:bias correction with t instead of t + 1"
CORRECTION_T2 = "named:bias correction with t + 2"
V_LINEAR = "named:v accumulates g instead of g^2"
NO_ROOT = "named:no square root of v_hat"
CORRECTED_STATE = "named:bias-corrected values stored back into m and v"


def _adam(m_update="m = beta * m + (1 - beta) * g", v_update="v = gamma * v + (1 - gamma) * g ** 2",
          m_hat="m / (1 - beta ** (t + 1))", v_hat="v / (1 - gamma ** (t + 1))",
          step="phi = phi - learning_rate * m_hat / (np.sqrt(v_hat) + eps)", loop="for t, b in enumerate(batches):"):
    """Adam as a student types it from the docstring, with one piece changed."""
    return f"""
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    path = [phi]
    {loop}
        g = grad(phi, x[b], y[b])
        {m_update}
        {v_update}
        m_hat = {m_hat}
        v_hat = {v_hat}
        {step}
        path.append(phi)
    return np.array(path)
"""


ENTRIES = [
    # ---- normalized_gradient_descent -----------------------------------------------------
    Impl("normalized_gradient_descent", "abs", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / (np.abs(g) + eps)
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("normalized_gradient_descent", "lecture-m-v", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    path = np.zeros((len(batches) + 1, 2))
    path[0] = phi0
    for t, b in enumerate(batches):
        m = grad(path[t], x[b], y[b])
        v = m ** 2
        path[t + 1] = path[t] - learning_rate * m / (np.sqrt(v) + eps)
    return path
""", "full"),
    Impl("normalized_gradient_descent", "eps-inside", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / np.sqrt(g * g + eps)
        path.append(phi)
    return np.array(path)
""", EPS_INSIDE_NORMALIZED),
    Impl("normalized_gradient_descent", "norm", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / (np.sqrt(g @ g) + eps)
        path.append(phi)
    return np.array(path)
""", BY_NORM),
    Impl("normalized_gradient_descent", "sign", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        phi = phi - learning_rate * np.sign(grad(phi, x[b], y[b]))
        path.append(phi)
    return np.array(path)
""", NO_EPS, note="'all that is left is the sign' (lecture)"),
    Impl("normalized_gradient_descent", "no-root", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / (g ** 2 + eps)
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'eps inside': no square root at all"),
    Impl("normalized_gradient_descent", "precedence", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * (g / np.sqrt(g ** 2) + eps)
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'eps ignored': eps added to the step"),
    Impl("normalized_gradient_descent", "fixed-eps", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / (np.sqrt(g ** 2) + 1e-8)
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'eps ignored': the eps argument ignored, 1e-8 hard-coded"),
    Impl("normalized_gradient_descent", "max-abs", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / (np.max(np.abs(g)) + eps)
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'vector norm': the largest component"),
    Impl("normalized_gradient_descent", "never-moves", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    return np.vstack([phi0] * (len(batches) + 1))
""", "zero"),
    Impl("normalized_gradient_descent", "tuple", """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [tuple(phi)]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * g / (np.sqrt(g ** 2) + eps)
        path.append(tuple(phi))
    return tuple(path)
""", "types:a tuple of tuples"),

    # ---- adam ----------------------------------------------------------------------------
    Impl("adam", "steps-from-one", _adam(loop="for t, b in enumerate(batches, start=1):",
                                         m_hat="m / (1 - beta ** t)", v_hat="v / (1 - gamma ** t)"), "full"),
    Impl("adam", "cumulative-powers", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m, v = np.zeros(2), np.zeros(2)
    beta_power, gamma_power = 1.0, 1.0
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        beta_power *= beta
        gamma_power *= gamma
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g * g
        phi = phi - learning_rate * (m / (1 - beta_power)) / (np.sqrt(v / (1 - gamma_power)) + eps)
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("adam", "kingma-step-size", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    path = np.zeros((len(batches) + 1, 2))
    path[0] = phi0
    m = np.zeros(2)
    v = np.zeros(2)
    for t, b in enumerate(batches):
        g = grad(path[t], x[b], y[b])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * np.square(g)
        c_m, c_v = 1 - beta ** (t + 1), 1 - gamma ** (t + 1)
        step = learning_rate * np.sqrt(c_v) / c_m          # Kingma & Ba, section 2
        path[t + 1] = path[t] - step * m / (np.sqrt(v) + eps * np.sqrt(c_v))
    return path
""", "full", note="the paper's efficient form with eps-hat = eps sqrt(1 - gamma^t): the same values"),
    Impl("adam", "eps-inside", _adam(step="phi = phi - learning_rate * m_hat / np.sqrt(v_hat + eps)"),
         EPS_INSIDE_ADAM, note="issue 11: fails the local self-check today"),
    Impl("adam", "no-correction", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        phi = phi - learning_rate * m / (v ** 0.5 + eps)
        path.append(phi)
    return np.array(path)
""", NO_CORRECTION),
    Impl("adam", "correction-t", _adam(m_hat="m / (1 - beta ** t)", v_hat="v / (1 - gamma ** t)"), CORRECTION_T),
    Impl("adam", "correction-from-one-plus-one",
         _adam(loop="for t, b in enumerate(batches, start=1):"), CORRECTION_T2,
         note="counts steps from 1 and still adds 1"),
    Impl("adam", "v-not-squared", _adam(v_update="v = gamma * v + (1 - gamma) * g"), V_LINEAR),
    Impl("adam", "no-root", _adam(step="phi = phi - learning_rate * m_hat / (v_hat + eps)"), NO_ROOT),
    Impl("adam", "corrected-in-place", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    path = [phi]
    for t, b in enumerate(batches):
        g = grad(phi, x[b], y[b])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        m /= 1 - beta ** (t + 1)
        v /= 1 - gamma ** (t + 1)
        phi = phi - learning_rate * m / (np.sqrt(v) + eps)
        path.append(phi)
    return np.array(path)
""", CORRECTED_STATE),
    Impl("adam", "correct-m-only", _adam(v_hat="v"), "wrong", note="near miss of 'no bias correction': m only"),
    Impl("adam", "corrections-swapped", _adam(m_hat="m / (1 - gamma ** (t + 1))", v_hat="v / (1 - beta ** (t + 1))"),
         "wrong", note="beta and gamma exchanged in the corrections"),
    Impl("adam", "v-of-abs", _adam(v_update="v = gamma * v + (1 - gamma) * np.abs(g)",
                                   step="phi = phi - learning_rate * m_hat / (v_hat + eps)"), "wrong",
         note="near miss of 'no square root': a running mean of |g| instead of the root of g^2"),
    Impl("adam", "never-moves", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    return np.array([np.array(phi0, dtype=float)] * (len(batches) + 1))
""", "zero"),
    Impl("adam", "alias-phi0", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = phi0
    m = np.zeros(2)
    v = np.zeros(2)
    path = [phi.copy()]
    for t, b in enumerate(batches):
        g = grad(phi, x[b], y[b])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        phi -= learning_rate * (m / (1 - beta ** (t + 1))) / (np.sqrt(v / (1 - gamma ** (t + 1))) + eps)
        path.append(phi.copy())
    return np.array(path)
""", "inplace"),
    Impl("adam", "float32", _adam().replace("return np.array(path)", "return np.array(path, dtype=np.float32)"),
         "named:" + FLOAT32),
    Impl("adam", "no-return", _adam().replace("    return np.array(path)\n", "    path = np.array(path)\n"),
         "named:" + NO_RETURN),
]
