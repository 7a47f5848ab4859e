"""Correct implementations written differently from the reference (loops vs vectorised, other
operation orders, preallocated arrays, cumulative powers, the Sutskever momentum form...).
The grader must give each of them full marks. Two sets, so one submission holds one set."""

SET_A = {
    "parabola_slope": """
def parabola_slope(x):
    return 2 * (x - 2)
""",
    "linear_loss": """
def linear_loss(phi, x, y):
    total = 0.0
    for xi, yi in zip(x, y):
        total += (phi[0] + phi[1] * xi - yi) ** 2
    return total
""",
    "linear_gradient": """
def linear_gradient(phi, x, y):
    design = np.stack([np.ones_like(x), x], axis=1)
    return 2 * design.T @ (design @ phi - y)
""",
    "gabor_model": """
def gabor_model(phi, x):
    z = phi[1] * x * 0.06 + phi[0]
    return np.exp(-(z * z) / 32) * np.sin(z)
""",
    "gabor_loss": """
def gabor_loss(phi, x, y):
    return float(sum((gabor_model(phi, xi) - yi) ** 2 for xi, yi in zip(x, y)))
""",
    "gabor_gradient": """
def gabor_gradient(phi, x, y):
    g = np.zeros(2)
    for xi, yi in zip(x, y):
        z = phi[0] + 0.06 * phi[1] * xi
        e = np.exp(-z ** 2 / 32)
        f = np.sin(z) * e
        dfdz = e * (np.cos(z) - np.sin(z) * z / 16)
        g += 2 * (f - yi) * dfdz * np.array([1.0, 0.06 * xi])
    return g
""",
    "numerical_gradient": """
def numerical_gradient(loss, phi, h=1e-5):
    return np.array([(loss(phi + h * e) - loss(phi - h * e)) / 2 / h for e in np.eye(len(phi))])
""",
    "gradient_descent": """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    path = np.zeros((n_steps + 1, 2))
    path[0] = phi0
    for t in range(n_steps):
        path[t + 1] = path[t] - learning_rate * grad(path[t], x, y)
    return path
""",
    "line_search": """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    points = [0.0, 0.33 * max_dist, 0.66 * max_dist, max_dist]
    for _ in range(max_iter):
        a, b, c, d = points
        if not abs(b - c) > tol:
            break
        values = [f(p) for p in points]
        if values.index(min(values)) == 0:
            points = [a, a + (b - a) * 0.5, a + (c - a) * 0.5, a + (d - a) * 0.5]
        elif values[1] < values[2]:
            points = [a, a + (c - a) / 3, a + 2 * (c - a) / 3, c]
        else:
            points = [b, b + (d - b) / 3, b + 2 * (d - b) / 3, d]
    return (points[1] + points[2]) / 2
""",
    "gradient_descent_line_search": """
def gradient_descent_line_search(loss, grad, phi0, x, y, n_steps, max_dist=1.0, tol=1e-4, max_iter=10):
    path = np.empty((n_steps + 1, 2))
    path[0] = phi0
    for t in range(n_steps):
        phi = path[t]
        g = grad(phi, x, y)
        step = line_search(lambda alpha: loss(phi - alpha * g, x, y), max_dist=max_dist, tol=tol, max_iter=max_iter)
        path[t + 1] = phi - step * g
    return path
""",
    "epoch_batches": """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return np.split(order, range(batch_size, n, batch_size))
""",
    "batch_schedule": """
def batch_schedule(n, batch_size, n_epochs, rng):
    return [batch for _ in range(n_epochs) for batch in epoch_batches(n, batch_size, rng)]
""",
    "sgd": """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.asarray(phi0, dtype=np.float64).copy()
    path = [phi.copy()]
    for t, b in enumerate(batches):
        lr = learning_rate(t) if callable(learning_rate) else learning_rate
        phi -= lr * grad(phi, x[b], y[b])
        path.append(phi.copy())
    return np.vstack(path)
""",
    "step_decay": """
def step_decay(lr0, factor, every):
    return lambda t: lr0 * factor ** np.floor(t / every)
""",
    "sgd_momentum": """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    velocity = np.zeros(2)
    path = [phi]
    for b in batches:
        velocity = beta * velocity + learning_rate * (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - velocity
        path.append(phi)
    return np.array(path)
""",
    "sgd_nesterov": """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = np.zeros((len(batches) + 1, 2))
    path[0] = phi
    for t, b in enumerate(batches):
        ahead = phi - learning_rate * m
        m = beta * m + (1 - beta) * grad(ahead, x[b], y[b])
        phi = phi - learning_rate * m
        path[t + 1] = phi
    return path
""",
    "normalized_gradient_descent": """
def normalized_gradient_descent(grad, phi0, x, y, batches, learning_rate, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        phi = phi - learning_rate * (g / (np.abs(g) + eps))
        path.append(phi)
    return np.array(path)
""",
    "adam": """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    beta_t, gamma_t = 1.0, 1.0
    path = [phi]
    for b in batches:
        g = grad(phi, x[b], y[b])
        beta_t *= beta
        gamma_t *= gamma
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * np.square(g)
        phi = phi - learning_rate * (m / (1 - beta_t)) / (np.sqrt(v / (1 - gamma_t)) + eps)
        path.append(phi)
    return np.array(path)
""",
}

SET_B = {
    "parabola_slope": """
def parabola_slope(x):
    return -4 + x * 2
""",
    "linear_loss": """
def linear_loss(phi, x, y):
    r = y - linear_model(phi, x)
    return r @ r
""",
    "linear_gradient": """
def linear_gradient(phi, x, y):
    g = np.zeros(2)
    for xi, yi in zip(x, y):
        r = phi[0] + phi[1] * xi - yi
        g[0] += 2 * r
        g[1] += 2 * r * xi
    return g
""",
    "gabor_gradient": """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32.0)
    f = np.sin(z) * envelope
    df_dphi0 = np.cos(z) * envelope + np.sin(z) * envelope * (-2 * z / 32)
    residual = f - y
    return np.array([2 * np.sum(residual * df_dphi0), 2 * np.sum(residual * df_dphi0 * 0.06 * x)])
""",
    "numerical_gradient": """
def numerical_gradient(loss, phi, h=1e-5):
    g = []
    for k in range(len(phi)):
        up = np.array(phi, dtype=float)
        down = np.array(phi, dtype=float)
        up[k] += h
        down[k] -= h
        g.append((loss(up) - loss(down)) / (2 * h))
    return np.array(g)
""",
    "line_search": """
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    a, b, c, d = 0, 0.33 * max_dist, 0.66 * max_dist, max_dist
    for _ in range(max_iter):
        if abs(b - c) <= tol:
            break
        fa, fb, fc, fd = f(a), f(b), f(c), f(d)
        if fa <= min(fb, fc, fd):
            b = a + (b - a) / 2
            c = a + (c - a) / 2
            d = a + (d - a) / 2
            continue
        if fb < fc:
            d = c
        else:
            a = b
        b = a + (d - a) / 3
        c = a + 2 * (d - a) / 3
    return (b + c) / 2
""",
    "epoch_batches": """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    n_batches = int(np.ceil(n / batch_size))
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n_batches)]
""",
    "step_decay": """
def step_decay(lr0, factor, every):
    def schedule(t):
        return lr0 * factor ** int(t // every)
    return schedule
""",
    "sgd_momentum": """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros_like(phi)
    path = np.empty((len(batches) + 1, 2))
    path[0] = phi
    for i, batch in enumerate(batches, start=1):
        g = grad(phi, x[batch], y[batch])
        m *= beta
        m += (1 - beta) * g
        phi = phi - learning_rate * m
        path[i] = phi
    return path
""",
    "adam": """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    path = [phi.copy()]
    for t in range(len(batches)):
        g = grad(phi, x[batches[t]], y[batches[t]])
        m = beta * m + (1 - beta) * g
        v = gamma * v + (1 - gamma) * g * g
        step = (m / (1 - beta ** (t + 1))) / (np.sqrt(v / (1 - gamma ** (t + 1))) + eps)
        phi = phi - learning_rate * step
        path.append(phi.copy())
    return np.array(path)
""",
}
