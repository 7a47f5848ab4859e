"""Part 1 (1_gradients.ipynb): parabola_slope, linear_loss, numerical_gradient, linear_gradient,
gabor_model, gabor_loss, gabor_gradient."""
from . import Impl
from .names import FLOAT32, NO_RETURN

# catalogue names (autograder/mistakes/gradients.py)
PLUS_FOUR = "named:sign of the constant flipped (2x + 4)"
VALUE = "named:the function instead of its slope"
MEAN = "named:mean instead of sum"
NORM = "named:square root of the sum (a norm, not the squared error)"
NO_TWO = "named:missing factor 2"
FLIPPED = "named:sign flipped (y - f instead of f - y)"
NO_X = "named:missing x in the phi1 component"
MODEL_EIGHT = "named:envelope exp(-z^2/8) instead of exp(-z^2/32)"
NO_SCALE = "named:missing the 0.06 factor"
EIGHT = "named:envelope /8 instead of /32"
CONSTANT_ENVELOPE = "named:envelope treated as a constant"
HALF_ENVELOPE = "named:envelope derivative -z/32 instead of -z/16"
NO_INNER = "named:missing 0.06 x in the phi1 component"
FORWARD = "named:forward differences"
ONE_H = "named:divides by h instead of 2h"

# A student's gabor_model with the lecture slide's /8 (used through `also`).
GABOR_MODEL_SLIDE = """
def gabor_model(phi, x):
    z = phi[0] + 0.06 * phi[1] * x
    return np.sin(z) * np.exp(-z ** 2 / 8.0)
"""

ENTRIES = [
    # ---- parabola_slope ------------------------------------------------------------------
    Impl("parabola_slope", "factored", """
def parabola_slope(x):
    return 2 * (x - 2)
""", "full"),
    Impl("parabola_slope", "plus-four", """
def parabola_slope(x):
    return 4 + x * 2
""", PLUS_FOUR),
    Impl("parabola_slope", "calls-parabola", """
def parabola_slope(x):
    return parabola(x)
""", VALUE, note="returns the given parabola itself"),
    Impl("parabola_slope", "four-minus-2x", """
def parabola_slope(x):
    return 4 - 2 * x
""", "wrong", note="near miss of 2x + 4: the whole slope negated; equals 2x + 4 at x = 0"),
    Impl("parabola_slope", "dropped-constant", """
def parabola_slope(x):
    return 2 * x
""", "wrong", note="forgot the -4"),
    Impl("parabola_slope", "value-without-5", """
def parabola_slope(x):
    return x ** 2 - 4 * x
""", "wrong", note="near miss of 'the function instead of its slope': the constant dropped"),
    Impl("parabola_slope", "zero", """
def parabola_slope(x):
    return np.zeros_like(np.asarray(x, dtype=float))
""", "zero"),
    Impl("parabola_slope", "tolist", """
def parabola_slope(x):
    return (2 * np.asarray(x, dtype=float) - 4).tolist()
""", "types:a Python float for numbers, a list of floats for arrays"),
    Impl("parabola_slope", "no-return", """
def parabola_slope(x):
    slope = 2 * x - 4
""", "named:" + NO_RETURN),

    # ---- linear_loss ---------------------------------------------------------------------
    Impl("linear_loss", "loop", """
def linear_loss(phi, x, y):
    total = 0.0
    for i in range(len(x)):
        total += (linear_model(phi, x[i]) - y[i]) ** 2
    return total
""", "full"),
    Impl("linear_loss", "norm-squared", """
def linear_loss(phi, x, y):
    return np.linalg.norm(phi[0] + phi[1] * x - y) ** 2
""", "full"),
    Impl("linear_loss", "mean-size", """
def linear_loss(phi, x, y):
    errors = (linear_model(phi, x) - y) ** 2
    return errors.sum() / x.size
""", MEAN),
    Impl("linear_loss", "sqrt-sum", """
def linear_loss(phi, x, y):
    residuals = phi[0] + phi[1] * x - y
    return np.sqrt(np.sum(np.square(residuals)))
""", NORM),
    Impl("linear_loss", "half-sum", """
def linear_loss(phi, x, y):
    return 0.5 * np.sum((linear_model(phi, x) - y) ** 2)
""", "wrong", note="the 1/2 convention of other courses"),
    Impl("linear_loss", "rmse", """
def linear_loss(phi, x, y):
    return np.sqrt(np.mean((linear_model(phi, x) - y) ** 2))
""", "wrong", note="near miss of both 'mean' and 'norm': the root of the mean"),
    Impl("linear_loss", "square-of-sum", """
def linear_loss(phi, x, y):
    return np.sum(linear_model(phi, x) - y) ** 2
""", "wrong", note="squares the sum of the residuals"),
    Impl("linear_loss", "residual-in-y", """
def linear_loss(phi, x, y):
    y -= linear_model(phi, x)          # y now holds the residuals
    return np.sum(y ** 2)
""", "inplace", note="right value, but the caller's y is replaced by the residuals (changed y in place)"),
    Impl("linear_loss", "zero", """
def linear_loss(phi, x, y):
    return 0.0
""", "zero"),
    Impl("linear_loss", "float32", """
def linear_loss(phi, x, y):
    r = (phi[0] + phi[1] * x - y).astype(np.float32)
    return np.sum(r * r)
""", "named:" + FLOAT32),

    # ---- numerical_gradient --------------------------------------------------------------
    Impl("numerical_gradient", "eye", """
def numerical_gradient(loss, phi, h=1e-5):
    steps = h * np.eye(len(phi))
    return np.array([(loss(phi + e) - loss(phi - e)) / (2 * h) for e in steps])
""", "full"),
    Impl("numerical_gradient", "perturb-and-restore", """
def numerical_gradient(loss, phi, h=1e-5):
    g = np.zeros(len(phi))
    for k in range(len(phi)):
        old = phi[k]
        phi[k] = old + h
        up = loss(phi)
        phi[k] = old - h
        down = loss(phi)
        phi[k] = old
        g[k] = (up - down) / (2 * h)
    return g
""", "full", note="changes phi while it works but restores it exactly: phi is unchanged after the call"),
    Impl("numerical_gradient", "list", """
def numerical_gradient(loss, phi, h=1e-5):
    out = []
    for e in np.eye(len(phi)):
        out.append(float((loss(phi + h * e) - loss(phi - h * e)) / (2 * h)))
    return out
""", "types:a list of floats"),
    Impl("numerical_gradient", "forward", """
def numerical_gradient(loss, phi, h=1e-5):
    base = loss(phi)
    g = np.zeros(len(phi))
    for k in range(len(phi)):
        step = np.zeros(len(phi))
        step[k] = h
        g[k] = (loss(phi + step) - base) / h
    return g
""", FORWARD, note="the limit definition of the lecture's slide"),
    Impl("numerical_gradient", "central-over-h", """
def numerical_gradient(loss, phi, h=1e-5):
    g = []
    for e in np.eye(len(phi)):
        g.append((loss(phi + h * e) - loss(phi - h * e)) / h)
    return np.array(g)
""", ONE_H),
    Impl("numerical_gradient", "backward", """
def numerical_gradient(loss, phi, h=1e-5):
    g = np.zeros(len(phi))
    for k in range(len(phi)):
        e = np.zeros(len(phi))
        e[k] = h
        g[k] = (loss(phi) - loss(phi - e)) / h
    return g
""", "wrong", note="near miss of 'forward differences': backward differences"),
    Impl("numerical_gradient", "precedence-2-times-h", """
def numerical_gradient(loss, phi, h=1e-5):
    g = np.zeros(len(phi))
    for k in range(len(phi)):
        e = np.zeros(len(phi))
        e[k] = h
        g[k] = (loss(phi + e) - loss(phi - e)) / 2 * h
    return g
""", "wrong", note="near miss of 'divides by h': / 2 * h multiplies by h"),
    Impl("numerical_gradient", "fixed-h", """
def numerical_gradient(loss, phi, h=1e-5):
    delta = 1e-5
    g = np.zeros(len(phi))
    for k in range(len(phi)):
        e = np.zeros(len(phi))
        e[k] = delta
        g[k] = (loss(phi + e) - loss(phi - e)) / (2 * delta)
    return g
""", "wrong", note="ignores the h argument (right on the default-h case only)"),
    Impl("numerical_gradient", "not-restored", """
def numerical_gradient(loss, phi, h=1e-5):
    g = np.zeros_like(phi)
    for k in range(len(phi)):
        phi[k] += h
        up = loss(phi)
        phi[k] -= 2 * h
        down = loss(phi)
        g[k] = (up - down) / (2 * h)
    return g
""", "inplace", note="perturbs phi in place and never restores it (the second component is taken off-centre)"),
    Impl("numerical_gradient", "zero", """
def numerical_gradient(loss, phi, h=1e-5):
    return np.zeros_like(phi)
""", "zero"),

    # ---- linear_gradient -----------------------------------------------------------------
    Impl("linear_gradient", "design-matrix", """
def linear_gradient(phi, x, y):
    A = np.column_stack([np.ones_like(x), x])
    return 2 * A.T @ (A @ phi - y)
""", "full"),
    Impl("linear_gradient", "loop", """
def linear_gradient(phi, x, y):
    d0, d1 = 0.0, 0.0
    for xi, yi in zip(x, y):
        r = phi[0] + phi[1] * xi - yi
        d0 += 2 * r
        d1 += 2 * xi * r
    return np.array([d0, d1])
""", "full"),
    Impl("linear_gradient", "tuple", """
def linear_gradient(phi, x, y):
    r = linear_model(phi, x) - y
    return np.sum(2 * r), np.sum(2 * x * r)
""", "types:a tuple of two numbers"),
    Impl("linear_gradient", "mean", """
def linear_gradient(phi, x, y):
    r = linear_model(phi, x) - y
    return 2 * np.array([r.sum(), (x * r).sum()]) / len(x)
""", MEAN),
    Impl("linear_gradient", "no-two", """
def linear_gradient(phi, x, y):
    f = linear_model(phi, x)
    return np.array([np.sum(f - y), np.sum((f - y) * x)])
""", NO_TWO),
    Impl("linear_gradient", "y-minus-f", """
def linear_gradient(phi, x, y):
    r = y - linear_model(phi, x)
    return 2 * np.array([np.sum(r), np.sum(x * r)])
""", FLIPPED),
    Impl("linear_gradient", "no-x", """
def linear_gradient(phi, x, y):
    e = 2 * (phi[0] + phi[1] * x - y)
    return np.array([e.sum(), e.sum()])
""", NO_X),
    Impl("linear_gradient", "x-squared", """
def linear_gradient(phi, x, y):
    r = linear_model(phi, x) - y
    return np.array([np.sum(2 * r), np.sum(2 * x ** 2 * r)])
""", "wrong", note="near miss of 'missing x': x**2 instead of x"),
    Impl("linear_gradient", "two-on-phi0-only", """
def linear_gradient(phi, x, y):
    r = linear_model(phi, x) - y
    return np.array([2 * np.sum(r), np.sum(x * r)])
""", "wrong", note="near miss of 'missing factor 2': the 2 kept in one component only"),
    Impl("linear_gradient", "mean-and-no-two", """
def linear_gradient(phi, x, y):
    r = linear_model(phi, x) - y
    return np.array([np.mean(r), np.mean(x * r)])
""", "wrong", note="two catalogued mistakes at once: neither name alone explains it"),
    Impl("linear_gradient", "zero", """
def linear_gradient(phi, x, y):
    return np.zeros(2)
""", "zero"),

    # ---- gabor_model ---------------------------------------------------------------------
    Impl("gabor_model", "divide-by-exp", """
def gabor_model(phi, x):
    z = phi[0] + 0.06 * phi[1] * x
    return np.sin(z) / np.exp(z ** 2 / 32)
""", "full"),
    Impl("gabor_model", "sigma-4", """
def gabor_model(phi, x):
    z = phi[0] + 0.06 * phi[1] * x
    sigma = 4.0
    return np.sin(z) * np.exp(-z ** 2 / (2 * sigma ** 2))
""", "full", note="a Gaussian envelope with sigma = 4 is exp(-z^2/32)"),
    Impl("gabor_model", "list", """
import math

def gabor_model(phi, x):
    zs = [phi[0] + 0.06 * phi[1] * xi for xi in x]
    return [math.sin(z) * math.exp(-z ** 2 / 32) for z in zs]
""", "types:a list of floats"),
    Impl("gabor_model", "slide", """
def gabor_model(phi, x):
    return np.sin(phi[0] + 0.06 * phi[1] * x) * np.exp(-(phi[0] + 0.06 * phi[1] * x) ** 2 / 8.0)
""", MODEL_EIGHT, note="the lecture slide typed out"),
    Impl("gabor_model", "no-scale", """
def gabor_model(phi, x):
    z = phi[0] + phi[1] * x
    envelope = np.exp(-(z * z) / 32.0)
    return envelope * np.sin(z)
""", NO_SCALE),
    Impl("gabor_model", "point-six", """
def gabor_model(phi, x):
    z = phi[0] + 0.6 * phi[1] * x
    return np.sin(z) * np.exp(-z ** 2 / 32)
""", "wrong", note="near miss of 'missing the 0.06 factor': 0.6"),
    Impl("gabor_model", "precedence", """
def gabor_model(phi, x):
    z = phi[0] + 0.06 * phi[1] * x
    return np.sin(z) * np.exp(-z ** 2) / 32
""", "wrong", note="divides the whole envelope by 32"),
    Impl("gabor_model", "zero", """
def gabor_model(phi, x):
    return np.zeros_like(x)
""", "zero"),

    # ---- gabor_loss ----------------------------------------------------------------------
    Impl("gabor_loss", "residual-dot", """
def gabor_loss(phi, x, y):
    r = gabor_model(phi, x) - y
    return r @ r
""", "full"),
    Impl("gabor_loss", "inline", """
def gabor_loss(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    f = np.sin(z) * np.exp(-z ** 2 / 32)
    return np.sum(np.square(f - y))
""", "full"),
    Impl("gabor_loss", "own-model-slide", """
def gabor_loss(phi, x, y):
    return np.sum((gabor_model(phi, x) - y) ** 2)
""", "full", also={"gabor_model": GABOR_MODEL_SLIDE},
         note="right loss on the student's own /8 model: the /8 costs gabor_model's points only "
              "(a diagnosis may say that their own model makes the loss /8)"),
    Impl("gabor_loss", "mean", """
def gabor_loss(phi, x, y):
    return ((gabor_model(phi, x) - y) ** 2).mean()
""", MEAN),
    Impl("gabor_loss", "inline-eight", """
def gabor_loss(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    model = np.sin(z) * np.exp(-z ** 2 / 8)
    return np.sum((model - y) ** 2)
""", EIGHT),
    Impl("gabor_loss", "norm", """
def gabor_loss(phi, x, y):
    return np.linalg.norm(gabor_model(phi, x) - y)
""", "wrong", note="a norm: catalogued for linear_loss, not for gabor_loss"),
    Impl("gabor_loss", "half", """
def gabor_loss(phi, x, y):
    return 0.5 * np.sum((gabor_model(phi, x) - y) ** 2)
""", "wrong"),
    Impl("gabor_loss", "zero", """
def gabor_loss(phi, x, y):
    return 0.0
""", "zero"),

    # ---- gabor_gradient ------------------------------------------------------------------
    Impl("gabor_gradient", "math-loop", """
import math

def gabor_gradient(phi, x, y):
    g0 = g1 = 0.0
    for xi, yi in zip(x, y):
        z = phi[0] + 0.06 * phi[1] * xi
        e = math.exp(-z * z / 32)
        r = math.sin(z) * e - yi
        dfdz = math.cos(z) * e - math.sin(z) * e * z / 16
        g0 += 2 * r * dfdz
        g1 += 2 * r * dfdz * 0.06 * xi
    return np.array([g0, g1])
""", "full"),
    Impl("gabor_gradient", "uses-model", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    f = gabor_model(phi, x)
    df_dz = np.exp(-z ** 2 / 32) * (np.cos(z) - z * np.sin(z) / 16)
    r = f - y
    return np.array([np.sum(2 * r * df_dz), np.sum(2 * r * df_dz * 0.06 * x)])
""", "full"),
    Impl("gabor_gradient", "jacobian", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    df_dz = np.cos(z) * e + np.sin(z) * e * (-2 * z / 32)
    dz_dphi = np.stack([np.ones_like(x), 0.06 * x])      # shape (2, I)
    return dz_dphi @ (2 * (np.sin(z) * e - y) * df_dz)
""", "full"),
    Impl("gabor_gradient", "own-model-slide-right-derivative", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    df_dz = np.cos(z) * e - np.sin(z) * e * z / 16
    r = gabor_model(phi, x) - y
    return np.array([np.sum(2 * r * df_dz), np.sum(2 * r * df_dz * 0.06 * x)])
""", "full", also={"gabor_model": GABOR_MODEL_SLIDE},
         note="right derivative; only their gabor_model has /8: isolation keeps gabor_gradient's points"),
    Impl("gabor_gradient", "central-differences", """
def gabor_gradient(phi, x, y):
    h = 1e-5
    g = np.zeros(2)
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        g[k] = (gabor_loss(phi + e, x, y) - gabor_loss(phi - e, x, y)) / (2 * h)
    return g
""", "full", note="not derived by hand, but within 5e-10 relative of the analytic gradient on every case: "
                  "only 2x inside the judge's 1e-9 tolerance (grading is by values)"),
    Impl("gabor_gradient", "tuple", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    dl_dz = 2 * (np.sin(z) * e - y) * (np.cos(z) * e - np.sin(z) * e * z / 16)
    return np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)
""", "types:a tuple of two numbers"),
    Impl("gabor_gradient", "slide-eight", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 8)
    f = np.sin(z) * e
    df_dz = e * (np.cos(z) - np.sin(z) * z / 4)
    dl_dz = 2 * (f - y) * df_dz
    return np.array([dl_dz.sum(), (dl_dz * 0.06 * x).sum()])
""", EIGHT, note="the slide's /8 used consistently"),
    Impl("gabor_gradient", "own-model-slide", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 8)
    df_dz = e * (np.cos(z) - z * np.sin(z) / 4)
    r = gabor_model(phi, x) - y
    return 2 * np.array([np.sum(r * df_dz), np.sum(r * df_dz * 0.06 * x)])
""", EIGHT, also={"gabor_model": GABOR_MODEL_SLIDE},
         note="issue 11: with their own /8 gabor_model this is exactly the /8 gradient; with the "
              "reference model in its place it matches nothing"),
    Impl("gabor_gradient", "no-product-rule", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32)
    residual = gabor_model(phi, x) - y
    df_dz = np.cos(z) * envelope
    return np.array([np.sum(2 * residual * df_dz), np.sum(2 * residual * df_dz * 0.06 * x)])
""", CONSTANT_ENVELOPE),
    Impl("gabor_gradient", "chain-rule-without-2", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    env = np.exp(-z ** 2 / 32)
    d_env = -z / 32 * env
    df_dz = np.cos(z) * env + np.sin(z) * d_env
    dl_dz = 2 * (np.sin(z) * env - y) * df_dz
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])
""", HALF_ENVELOPE),
    Impl("gabor_gradient", "dz-dphi1-is-x", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    dl_dz = 2 * (np.sin(z) * e - y) * (np.cos(z) * e - np.sin(z) * e * z / 16)
    dz_dphi0, dz_dphi1 = 1.0, x
    return np.array([np.sum(dl_dz * dz_dphi0), np.sum(dl_dz * dz_dphi1)])
""", NO_INNER),
    Impl("gabor_gradient", "mean", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    dl_dz = 2 * (np.sin(z) * e - y) * (np.cos(z) * e - np.sin(z) * e * z / 16)
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)]) / len(x)
""", MEAN),
    Impl("gabor_gradient", "no-two", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    r = np.sin(z) * e - y
    df = np.cos(z) * e - np.sin(z) * e * z / 16
    return np.array([np.sum(r * df), np.sum(r * df * 0.06 * x)])
""", NO_TWO),
    Impl("gabor_gradient", "product-rule-plus", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    df_dz = np.cos(z) * e + np.sin(z) * e * z / 16
    dl_dz = 2 * (np.sin(z) * e - y) * df_dz
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])
""", "wrong", note="near miss of the envelope entries: + instead of - in the product rule"),
    Impl("gabor_gradient", "phi1-like-phi0", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    dl_dz = 2 * (np.sin(z) * e - y) * (np.cos(z) * e - np.sin(z) * e * z / 16)
    return np.array([np.sum(dl_dz), np.sum(dl_dz)])
""", "wrong", note="near miss of 'missing 0.06 x' (which keeps the x): neither 0.06 nor x"),
    Impl("gabor_gradient", "y-minus-f", """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    e = np.exp(-z ** 2 / 32)
    dl_dz = 2 * (y - np.sin(z) * e) * (np.cos(z) * e - np.sin(z) * e * z / 16)
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])
""", "wrong", note="sign flipped: catalogued for linear_gradient only"),
    Impl("gabor_gradient", "scales-x-in-place", """
def gabor_gradient(phi, x, y):
    x *= 0.06                          # dz/dphi1 = 0.06 x
    z = phi[0] + phi[1] * x
    e = np.exp(-z ** 2 / 32)
    dl_dz = 2 * (np.sin(z) * e - y) * (np.cos(z) * e - np.sin(z) * e * z / 16)
    return np.array([np.sum(dl_dz), np.sum(dl_dz * x)])
""", "inplace", note="right values, but the caller's x is multiplied by 0.06 (changed x in place)"),
    Impl("gabor_gradient", "zero", """
def gabor_gradient(phi, x, y):
    return np.zeros(2)
""", "zero"),
]
