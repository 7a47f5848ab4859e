"""Part 5: normalised gradients and Adam."""
import numpy as np

from . import accepted, mistake


@accepted("normalized_gradient_descent", "eps inside the square root, sqrt(g^2 + eps)")
def normalized_eps_inside(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * g / np.sqrt(g ** 2 + eps)
        path.append(phi)
    return np.array(path)


@mistake("normalized_gradient_descent", "divided by the vector norm |g| instead of element by element",
         "Normalise each component by its own magnitude: g / (sqrt(g**2) + eps), element by element.")
def normalized_by_norm(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * g / (np.linalg.norm(g) + eps)
        path.append(phi)
    return np.array(path)


@mistake("normalized_gradient_descent", "eps ignored",
         "Add eps to the denominator: g / (sqrt(g**2) + eps).")
def normalized_no_eps(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * g / np.sqrt(g ** 2)
        path.append(phi)
    return np.array(path)


@accepted("adam", "eps inside the square root, sqrt(v_hat + eps) (as on one lecture slide)")
def adam_eps_inside(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        m_hat = m / (1 - beta ** (t + 1))
        v_hat = v / (1 - gamma ** (t + 1))
        phi = phi - learning_rate * m_hat / np.sqrt(v_hat + eps)
        path.append(phi)
    return np.array(path)


@mistake("adam", "no bias correction",
         "Divide m by (1 - beta**(t+1)) and v by (1 - gamma**(t+1)): both start at 0 and are too small at first.")
def adam_no_correction(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        phi = phi - learning_rate * m / (np.sqrt(v) + eps)
        path.append(phi)
    return np.array(path)


@mistake("adam", "bias correction with t instead of t + 1",
         "With t counting from 0, the corrections are 1 - beta**(t+1) and 1 - gamma**(t+1) "
         "(with t the first step divides by zero).")
def adam_correction_t(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        m_hat = m / (1 - beta ** t)
        v_hat = v / (1 - gamma ** t)
        phi = phi - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        path.append(phi)
    return np.array(path)


@mistake("adam", "bias correction with t + 2",
         "With t counting from 0, the corrections are 1 - beta**(t+1) and 1 - gamma**(t+1).")
def adam_correction_t2(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        m_hat = m / (1 - beta ** (t + 2))
        v_hat = v / (1 - gamma ** (t + 2))
        phi = phi - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        path.append(phi)
    return np.array(path)


@mistake("adam", "v accumulates g instead of g^2",
         "v is the running average of the SQUARED gradient: v <- gamma v + (1 - gamma) g**2.")
def adam_v_linear(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g
        m_hat = m / (1 - beta ** (t + 1))
        v_hat = v / (1 - gamma ** (t + 1))
        phi = phi - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        path.append(phi)
    return np.array(path)


@mistake("adam", "no square root of v_hat",
         "Divide by sqrt(v_hat) + eps: v_hat estimates g**2, its root the size of g.")
def adam_no_root(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        m_hat = m / (1 - beta ** (t + 1))
        v_hat = v / (1 - gamma ** (t + 1))
        phi = phi - learning_rate * m_hat / (v_hat + eps)
        path.append(phi)
    return np.array(path)


@mistake("adam", "bias-corrected values stored back into m and v",
         "Keep m and v uncorrected between steps; compute m_hat and v_hat as new variables.")
def adam_corrected_state(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g ** 2
        m = m / (1 - beta ** (t + 1))
        v = v / (1 - gamma ** (t + 1))
        phi = phi - learning_rate * m / (np.sqrt(v) + eps)
        path.append(phi)
    return np.array(path)
