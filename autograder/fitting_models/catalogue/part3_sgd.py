"""Part 3: batches, SGD and schedules."""
import numpy as np

from . import mistake


def epoch_batches(*args, **kwargs):
    """In a student's notebook this name is their own epoch_batches; here, the reference's."""
    from ...engine.reference import functions
    return functions()["epoch_batches"](*args, **kwargs)


@mistake("epoch_batches", "drops the short last batch",
         "Keep the last batch even when it is shorter than batch_size: every point is used once per epoch.")
def epoch_batches_drop_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


@mistake("epoch_batches", "a new permutation for every batch",
         "Call rng.permutation(n) ONCE per epoch and cut it into consecutive batches "
         "(one permutation per batch samples with overlaps between batches).")
def epoch_batches_per_batch(n, batch_size, rng):
    return [rng.permutation(n)[:batch_size] for _ in range(0, n, batch_size)]


@mistake("epoch_batches", "batches drawn with replacement (rng.choice)",
         "Draw WITHOUT replacement: one rng.permutation(n), so each index appears once per epoch.")
def epoch_batches_with_replacement(n, batch_size, rng):
    order = rng.choice(n, size=n, replace=True)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


@mistake("epoch_batches", "np.array_split into equal-sized batches",
         "Batches are consecutive runs of batch_size indices; only the last may be shorter.")
def epoch_batches_array_split(n, batch_size, rng):
    order = rng.permutation(n)
    return np.array_split(order, int(np.ceil(n / batch_size)))


@mistake("batch_schedule", "no reshuffle between epochs",
         "Call epoch_batches once PER EPOCH, so each epoch has its own order "
         "(the lecture's table reuses one order; this assignment reshuffles).")
def batch_schedule_no_reshuffle(n, batch_size, n_epochs, rng):
    return epoch_batches(n, batch_size, rng) * n_epochs


@mistake("sgd", "the whole data instead of the batch",
         "Each step uses the gradient of its batch only: grad(phi, x[b], y[b]).")
def sgd_full_data(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x, y)
        path.append(phi)
    return np.array(path)


@mistake("sgd", "batch gradient divided by the batch size (a mean)",
         "The batch gradient is the SUM over the batch (the gradient function already sums).")
def sgd_batch_mean(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[batch], y[batch]) / len(batch)
        path.append(phi)
    return np.array(path)


@mistake("sgd", "schedule evaluated at t + 1",
         "Step t (counting from 0) uses learning_rate(t): the first step uses learning_rate(0).")
def sgd_schedule_shifted(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for t, batch in enumerate(batches):
        alpha = learning_rate(t + 1) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[batch], y[batch])
        path.append(phi)
    return np.array(path)


@mistake("step_decay", "no floor: factor ** (t / every)",
         "The rate drops in steps: use integer division, factor ** (t // every).")
def step_decay_continuous(lr0, factor, every):
    def schedule(t):
        return lr0 * factor ** (t / every)
    return schedule


@mistake("step_decay", "counts from 1: factor ** ((t + 1) // every)",
         "t is the 0-based step number: the first `every` steps (t = 0 .. every-1) use lr0.")
def step_decay_from_one(lr0, factor, every):
    def schedule(t):
        return lr0 * factor ** ((t + 1) // every)
    return schedule


@mistake("step_decay", "operator precedence: lr0 * factor ** t // every",
         "Parenthesise the exponent: lr0 * factor ** (t // every).")
def step_decay_precedence(lr0, factor, every):
    def schedule(t):
        return lr0 * factor ** t // every
    return schedule


@mistake("epoch_batches", "rng.choice(n, n, replace=False) instead of rng.permutation(n)",
         "Sampling without replacement is right, but the contract is rng.permutation(n): a Generator's "
         "choice draws a different order from the same seed.")
def epoch_batches_choice(n, batch_size, rng):
    order = rng.choice(n, n, replace=False)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
