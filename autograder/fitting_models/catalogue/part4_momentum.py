"""Part 4: momentum and Nesterov momentum."""
import numpy as np

from . import accepted, mistake


@mistake("sgd_momentum", "momentum without (1 - beta)",
         "m <- beta * m + (1 - beta) * g: the new gradient is weighted by (1 - beta).")
def momentum_no_damping(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        m = beta * m + grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_momentum", "beta and (1 - beta) swapped",
         "m <- beta * m + (1 - beta) * g: beta weighs the OLD momentum.")
def momentum_swapped(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        m = (1 - beta) * m + beta * grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_momentum", "momentum starts at the first gradient",
         "m starts at 0 (m0 = 0), so the first step is learning_rate * (1 - beta) * g.")
def momentum_first_gradient(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = None
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        m = g if m is None else beta * m + (1 - beta) * g
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_momentum", "step with the old momentum",
         "Update m first, then step with the NEW m: phi <- phi - learning_rate * m_{t+1}.")
def momentum_old_m(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * m
        m = beta * m + (1 - beta) * g
        path.append(phi)
    return np.array(path)


@accepted("sgd_nesterov", "look-ahead phi - alpha * beta * m (the book's corrected form)")
def nesterov_book(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        m = beta * m + (1 - beta) * grad(phi - learning_rate * beta * m, x[batch], y[batch])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_nesterov", "gradient at phi, not at the look-ahead point (plain momentum)",
         "Nesterov takes the gradient at the look-ahead point phi - learning_rate * m (old m).")
def nesterov_no_lookahead(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        m = beta * m + (1 - beta) * grad(phi, x[batch], y[batch])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_nesterov", "look-ahead in the wrong direction (phi + alpha m)",
         "Momentum carries phi to phi - learning_rate * m: look ahead there.")
def nesterov_wrong_sign(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        m = beta * m + (1 - beta) * grad(phi + learning_rate * m, x[batch], y[batch])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_nesterov", "Nesterov without (1 - beta)",
         "m <- beta * m + (1 - beta) * g: the new gradient is weighted by (1 - beta).")
def nesterov_no_damping(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        m = beta * m + grad(phi - learning_rate * m, x[batch], y[batch])
        phi = phi - learning_rate * m
        path.append(phi)
    return np.array(path)


@mistake("sgd_nesterov", "PyTorch-style Nesterov (steps with beta m + (1 - beta) g; returns the look-ahead points)",
         "That is PyTorch's reformulation, whose phi is the look-ahead point. Here take the gradient AT the "
         "look-ahead point phi - learning_rate * m, then step phi <- phi - learning_rate * m.")
def nesterov_pytorch(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        m = beta * m + (1 - beta) * g
        phi = phi - learning_rate * (beta * m + (1 - beta) * g)
        path.append(phi)
    return np.array(path)


@mistake("sgd_nesterov", "Sutskever's Nesterov without (1 - beta)",
         "Sutskever's v <- beta v - alpha grad(phi + beta v) has no (1 - beta): here "
         "m <- beta m + (1 - beta) grad(phi - learning_rate m), phi <- phi - learning_rate m.")
def nesterov_sutskever_undamped(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        v = beta * v - learning_rate * grad(phi + beta * v, x[batch], y[batch])
        phi = phi + v
        path.append(phi)
    return np.array(path)
