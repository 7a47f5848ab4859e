"""Part 3 (3_sgd.ipynb): epoch_batches, batch_schedule, sgd, step_decay."""
from . import Impl
from .names import CHOICE_NO_REPLACE, FLOAT32, NP_RANDOM, RANDOM_SHUFFLE

DROP_LAST = "named:drops the short last batch"
PER_BATCH = "named:a new permutation for every batch"
REPLACEMENT = "named:batches drawn with replacement (rng.choice)"
ARRAY_SPLIT = "named:np.array_split into equal-sized batches"
NO_RESHUFFLE = "named:no reshuffle between epochs"
FULL_DATA = "named:the whole data instead of the batch"
BATCH_MEAN = "named:batch gradient divided by the batch size (a mean)"
SHIFTED = "named:schedule evaluated at t + 1"
CONTINUOUS = "named:no floor: factor ** (t / every)"
FROM_ONE = "named:counts from 1: factor ** ((t + 1) // every)"
PRECEDENCE = "named:operator precedence: lr0 * factor ** t // every"

# A student's epoch_batches that drops the short last batch (used through `also`).
EPOCH_BATCHES_DROP_LAST = """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n // batch_size)]
"""

ENTRIES = [
    # ---- epoch_batches -------------------------------------------------------------------
    Impl("epoch_batches", "split-at-indices", """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return np.array_split(order, range(batch_size, n, batch_size))
""", "full", note="array_split at explicit indices is np.split"),
    Impl("epoch_batches", "shuffle-arange", """
def epoch_batches(n, batch_size, rng):
    order = np.arange(n)
    rng.shuffle(order)
    n_batches = -(-n // batch_size)
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n_batches)]
""", "full", note="permutation(n) is shuffle(arange(n)) for both RandomState and Generator"),
    Impl("epoch_batches", "lists-of-ints", """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size].tolist() for i in range(0, n, batch_size)]
""", "types:batches as lists of ints"),
    Impl("epoch_batches", "lists-of-numpy-ints", """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [list(order[i:i + batch_size]) for i in range(0, n, batch_size)]
""", "types:batches as lists of numpy ints"),
    Impl("epoch_batches", "tuple", """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return tuple(order[i:i + batch_size] for i in range(0, n, batch_size))
""", "types:a tuple of index arrays"),
    Impl("epoch_batches", "floor-count", """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    n_batches = n // batch_size
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n_batches)]
""", DROP_LAST),
    Impl("epoch_batches", "permutation-per-batch", """
def epoch_batches(n, batch_size, rng):
    batches = []
    for _ in range(int(np.ceil(n / batch_size))):
        batches.append(rng.permutation(n)[:batch_size])
    return batches
""", PER_BATCH, note="notebooks 6.3/6.4's sampling"),
    Impl("epoch_batches", "choice", """
def epoch_batches(n, batch_size, rng):
    order = rng.choice(n, n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
""", REPLACEMENT),
    Impl("epoch_batches", "array-split-count", """
def epoch_batches(n, batch_size, rng):
    return np.array_split(rng.permutation(n), -(-n // batch_size))
""", ARRAY_SPLIT),
    Impl("epoch_batches", "permutation-per-batch-sliced", """
def epoch_batches(n, batch_size, rng):
    return [rng.permutation(n)[i:i + batch_size] for i in range(0, n, batch_size)]
""", "wrong", note="near miss of 'a new permutation for every batch': each new permutation sliced at i"),
    Impl("epoch_batches", "wrap-around", """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    batches = []
    for i in range(0, n, batch_size):
        batch = order[i:i + batch_size]
        if len(batch) < batch_size:                       # fill the last batch from the start
            batch = np.concatenate([batch, order[:batch_size - len(batch)]])
        batches.append(batch)
    return batches
""", "wrong", note="near miss of 'drops the short last batch': pads it instead"),
    Impl("epoch_batches", "global-permutation", """
def epoch_batches(n, batch_size, rng):
    order = np.random.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
""", "named:" + NP_RANDOM, note="issue 11: very common; ignores rng (not reproducible)"),
    Impl("epoch_batches", "choice-no-replace", """
def epoch_batches(n, batch_size, rng):
    order = rng.choice(n, n, replace=False)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
""", "named:" + CHOICE_NO_REPLACE,
         note="RandomState.choice(n, n, replace=False) IS permutation(n): only the Generator cases tell"),
    Impl("epoch_batches", "random-shuffle", """
import random

def epoch_batches(n, batch_size, rng):
    order = list(range(n))
    random.shuffle(order)
    return [np.array(order[i:i + batch_size]) for i in range(0, n, batch_size)]
""", "named:" + RANDOM_SHUFFLE),
    Impl("epoch_batches", "unshuffled", """
def epoch_batches(n, batch_size, rng):
    return [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
""", "named:" + NP_RANDOM, note="ignores rng: the same batches every time (it earns 0 as well); the name "
       "is the right fix: draw from rng"),
    Impl("epoch_batches", "empty", """
def epoch_batches(n, batch_size, rng):
    return []
""", "zero"),

    # ---- batch_schedule ------------------------------------------------------------------
    Impl("batch_schedule", "comprehension", """
def batch_schedule(n, batch_size, n_epochs, rng):
    return [b for _ in range(n_epochs) for b in epoch_batches(n, batch_size, rng)]
""", "full"),
    Impl("batch_schedule", "sum-of-lists", """
def batch_schedule(n, batch_size, n_epochs, rng):
    return sum((list(epoch_batches(n, batch_size, rng)) for _ in range(n_epochs)), [])
""", "full"),
    Impl("batch_schedule", "own-epoch-batches-drop-last", """
def batch_schedule(n, batch_size, n_epochs, rng):
    schedule = []
    for epoch in range(n_epochs):
        schedule.extend(epoch_batches(n, batch_size, rng))
    return schedule
""", "full", also={"epoch_batches": EPOCH_BATCHES_DROP_LAST},
         note="right schedule on the student's own epoch_batches (drops the last batch): isolation"),
    Impl("batch_schedule", "one-epoch-repeated", """
def batch_schedule(n, batch_size, n_epochs, rng):
    epoch = epoch_batches(n, batch_size, rng)
    batches = []
    for _ in range(n_epochs):
        batches.extend(epoch)
    return batches
""", NO_RESHUFFLE, note="the lecture's table"),
    Impl("batch_schedule", "rng-copy", """
import copy

def batch_schedule(n, batch_size, n_epochs, rng):
    batches = []
    for _ in range(n_epochs):
        batches += epoch_batches(n, batch_size, copy.deepcopy(rng))
    return batches
""", "named:" + NP_RANDOM, note="a copy of rng per epoch, so every epoch has the same order and the rng "
       "passed in is never drawn from; the fix is to use rng itself (the catalogue's 'no reshuffle' hint, "
       "call epoch_batches once per epoch, it already does)"),
    Impl("batch_schedule", "nested", """
def batch_schedule(n, batch_size, n_epochs, rng):
    batches = []
    for _ in range(n_epochs):
        batches.append(epoch_batches(n, batch_size, rng))
    return batches
""", "wrong", note="a list of epochs, not one list of batches"),
    Impl("batch_schedule", "cut-across-epochs", """
def batch_schedule(n, batch_size, n_epochs, rng):
    order = np.concatenate([rng.permutation(n) for _ in range(n_epochs)])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
""", "wrong", note="right when batch_size divides n; otherwise batches straddle epochs"),
    Impl("batch_schedule", "seed-per-epoch", """
def batch_schedule(n, batch_size, n_epochs, rng):
    batches = []
    for epoch in range(n_epochs):
        batches += epoch_batches(n, batch_size, np.random.RandomState(epoch))
    return batches
""", "named:" + NP_RANDOM, note="near miss of 'no reshuffle': reshuffles, but ignores rng"),
    Impl("batch_schedule", "one-epoch", """
def batch_schedule(n, batch_size, n_epochs, rng):
    return epoch_batches(n, batch_size, rng)
""", "wrong"),
    Impl("batch_schedule", "empty", """
def batch_schedule(n, batch_size, n_epochs, rng):
    return []
""", "zero"),
    Impl("batch_schedule", "tuple", """
def batch_schedule(n, batch_size, n_epochs, rng):
    return tuple(b for _ in range(n_epochs) for b in epoch_batches(n, batch_size, rng))
""", "types:a tuple of index arrays"),
    Impl("batch_schedule", "lists-of-ints", """
def batch_schedule(n, batch_size, n_epochs, rng):
    return [[int(i) for i in b] for _ in range(n_epochs) for b in epoch_batches(n, batch_size, rng)]
""", "types:batches as lists of ints"),

    # ---- sgd -----------------------------------------------------------------------------
    Impl("sgd", "try-call", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        try:
            alpha = learning_rate(t)
        except TypeError:
            alpha = learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
    return np.array(path)
""", "full"),
    Impl("sgd", "preallocated", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    path = np.zeros((len(batches) + 1, 2))
    path[0] = phi0
    for t in range(len(batches)):
        lr = learning_rate(t) if callable(learning_rate) else learning_rate
        b = batches[t]
        path[t + 1] = path[t] - lr * grad(path[t], x[b], y[b])
    return path
""", "full"),
    Impl("sgd", "schedule-wrapper", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    rate = learning_rate if callable(learning_rate) else (lambda t: learning_rate)
    phi = phi0.copy()
    path = [phi0.copy()]
    t = 0
    for batch in batches:
        xb, yb = np.take(x, batch), np.take(y, batch)
        phi = phi - rate(t) * grad(phi, xb, yb)
        path.append(phi)
        t += 1
    return np.array(path)
""", "full"),
    Impl("sgd", "full-data", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, batch in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        g = grad(phi, x, y)
        phi = phi - alpha * g
        path.append(phi)
    return np.array(path)
""", FULL_DATA),
    Impl("sgd", "batch-mean", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b]) / b.size
        path.append(phi)
    return np.array(path)
""", BATCH_MEAN),
    Impl("sgd", "steps-from-one", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for step, b in enumerate(batches, start=1):
        alpha = learning_rate(step) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
    return np.array(path)
""", SHIFTED),
    Impl("sgd", "schedule-once", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    alpha = learning_rate(0) if callable(learning_rate) else learning_rate
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for b in batches:
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 't + 1': the schedule read once, at t = 0"),
    Impl("sgd", "mean-over-data", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b]) / len(x)
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'batch mean': divided by the size of the whole data"),
    Impl("sgd", "gradient-at-start", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi0, x[b], y[b])
        path.append(phi)
    return np.array(path)
""", "wrong", note="near miss of 'whole data': the batch is right, the point is phi0"),
    Impl("sgd", "never-moves", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    return np.array([phi0 for _ in range(len(batches) + 1)])
""", "zero"),
    Impl("sgd", "alias-phi0", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = phi0
    path = [phi.copy()]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi -= alpha * grad(phi, x[b], y[b])
        path.append(phi.copy())
    return np.array(path)
""", "inplace"),
    Impl("sgd", "pops-batches", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    t = 0
    while batches:
        b = batches.pop(0)
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
        t += 1
    return np.array(path)
""", "inplace", note="empties the caller's list of batches"),
    Impl("sgd", "list-of-arrays", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
    return path
""", "types:a list of arrays", note="issue 11: passes pytest, 0/3 from the grader"),
    Impl("sgd", "list-of-lists", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [list(phi)]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(list(phi))
    return path
""", "types:a list of lists"),
    Impl("sgd", "tuple-of-arrays", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
    return tuple(path)
""", "types:a tuple of arrays"),
    Impl("sgd", "float32", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.asarray(phi0, dtype=np.float32)
    path = [phi]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - np.float32(alpha) * grad(phi, x[b], y[b]).astype(np.float32)
        path.append(phi)
    return np.array(path)
""", "named:" + FLOAT32),

    # ---- step_decay ----------------------------------------------------------------------
    Impl("step_decay", "math-floor", """
import math

def step_decay(lr0, factor, every):
    def schedule(t):
        return lr0 * factor ** math.floor(t / every)
    return schedule
""", "full"),
    Impl("step_decay", "class", """
class StepDecay:
    def __init__(self, lr0, factor, every):
        self.lr0, self.factor, self.every = lr0, factor, every

    def __call__(self, t):
        return self.lr0 * self.factor ** (t // self.every)


def step_decay(lr0, factor, every):
    return StepDecay(lr0, factor, every)
""", "full"),
    Impl("step_decay", "repeated-multiplication", """
def step_decay(lr0, factor, every):
    def schedule(t):
        lr = lr0
        for _ in range(t // every):
            lr *= factor
        return lr
    return schedule
""", "full"),
    Impl("step_decay", "continuous", """
def step_decay(lr0, factor, every):
    def schedule(t):
        return lr0 * factor ** (t / every)
    return schedule
""", CONTINUOUS),
    Impl("step_decay", "steps-from-one", """
def step_decay(lr0, factor, every):
    def schedule(t):
        step_number = t + 1          # counting steps from 1
        return lr0 * factor ** (step_number // every)
    return schedule
""", FROM_ONE),
    Impl("step_decay", "no-parentheses", """
def step_decay(lr0, factor, every):
    return lambda t: (lr0 * factor ** t) // every
""", PRECEDENCE),
    Impl("step_decay", "round", """
def step_decay(lr0, factor, every):
    return lambda t: lr0 * factor ** round(t / every)
""", "wrong", note="issue 11: named 'counts from 1' today (for odd every they agree)"),
    Impl("step_decay", "ceil", """
import math

def step_decay(lr0, factor, every):
    return lambda t: lr0 * factor ** math.ceil(t / every)
""", "wrong", note="near miss of 'counts from 1'"),
    Impl("step_decay", "minus-one", """
def step_decay(lr0, factor, every):
    return lambda t: lr0 * factor ** ((t - 1) // every)
""", "wrong", note="near miss of 'counts from 1': shifted the other way"),
    Impl("step_decay", "one-extra-factor", """
def step_decay(lr0, factor, every):
    return lambda t: lr0 * factor ** (t // every + 1)
""", "wrong"),
    Impl("step_decay", "counts-calls", """
def step_decay(lr0, factor, every):
    calls = [0]

    def schedule(t):
        k = calls[0]
        calls[0] += 1
        return lr0 * factor ** (k // every)
    return schedule
""", "wrong", note="issue 11: ignores t and counts its own calls: full marks when asked t = 0, 1, 2, ... in order"),
    Impl("step_decay", "constant", """
def step_decay(lr0, factor, every):
    return lambda t: lr0
""", "zero"),
    Impl("step_decay", "returns-number", """
def step_decay(lr0, factor, every):
    return lr0
""", "zero"),
]
