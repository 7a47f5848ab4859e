"""Part 1: slopes, losses, gradients."""
import numpy as np

from . import mistake


@mistake("parabola_slope", "sign of the constant flipped (2x + 4)",
         "The derivative of -4x is -4: dy/dx = 2x - 4.")
def slope_plus_four(x):
    return 2 * x + 4


@mistake("parabola_slope", "the function instead of its slope",
         "Return dy/dx, the slope, not y itself.")
def slope_is_value(x):
    return x ** 2 - 4 * x + 5


@mistake("linear_loss", "mean instead of sum",
         "The loss is a SUM over the points (no division by their number).")
def linear_loss_mean(phi, x, y):
    return np.mean((phi[0] + phi[1] * x - y) ** 2)


@mistake("linear_loss", "square root of the sum (a norm, not the squared error)",
         "L[phi] = sum of squared errors, without a square root.")
def linear_loss_norm(phi, x, y):
    return np.sqrt(np.sum((phi[0] + phi[1] * x - y) ** 2))


@mistake("linear_gradient", "mean instead of sum",
         "The loss is a sum, so its gradient is the SUM of the per-point gradients (no 1/I).")
def linear_gradient_mean(phi, x, y):
    r = phi[0] + phi[1] * x - y
    return np.array([np.mean(2 * r), np.mean(2 * x * r)])


@mistake("linear_gradient", "missing factor 2",
         "d/dphi of (f - y)^2 is 2 (f - y) df/dphi: keep the 2.")
def linear_gradient_no_two(phi, x, y):
    r = phi[0] + phi[1] * x - y
    return np.array([np.sum(r), np.sum(x * r)])


@mistake("linear_gradient", "sign flipped (y - f instead of f - y)",
         "The residual is f - y; with y - f the gradient has the wrong sign.")
def linear_gradient_flipped(phi, x, y):
    r = y - (phi[0] + phi[1] * x)
    return np.array([np.sum(2 * r), np.sum(2 * x * r)])


@mistake("linear_gradient", "missing x in the phi1 component",
         "df/dphi1 = x: the second component is sum 2 x (f - y).")
def linear_gradient_no_x(phi, x, y):
    r = phi[0] + phi[1] * x - y
    return np.array([np.sum(2 * r), np.sum(2 * r)])


@mistake("gabor_model", "envelope exp(-z^2/8) instead of exp(-z^2/32)",
         "The lecture slide types 8.0, but the model (book, notebooks, data) uses 32.")
def gabor_model_eight(phi, x):
    z = phi[0] + 0.06 * phi[1] * x
    return np.sin(z) * np.exp(-z ** 2 / 8.0)


@mistake("gabor_model", "missing the 0.06 factor",
         "z = phi0 + 0.06 * phi1 * x.")
def gabor_model_no_scale(phi, x):
    z = phi[0] + phi[1] * x
    return np.sin(z) * np.exp(-z ** 2 / 32.0)


@mistake("gabor_loss", "mean instead of sum",
         "The loss is a SUM over the points (no division by their number).")
def gabor_loss_mean(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    return np.mean((np.sin(z) * np.exp(-z ** 2 / 32.0) - y) ** 2)


@mistake("gabor_loss", "envelope /8 instead of /32",
         "The lecture slide types 8.0, but the model (book, notebooks, data) uses 32.")
def gabor_loss_eight(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    return np.sum((np.sin(z) * np.exp(-z ** 2 / 8.0) - y) ** 2)


@mistake("gabor_gradient", "envelope /8 instead of /32",
         "Use exp(-z^2/32), whose derivative brings a factor -z/16.")
def gabor_gradient_eight(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 8.0)
    df_dz = np.cos(z) * envelope - np.sin(z) * envelope * z / 4.0
    dl_dz = 2 * (np.sin(z) * envelope - y) * df_dz
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])


@mistake("gabor_gradient", "envelope treated as a constant",
         "f = sin(z) exp(-z^2/32) is a product: df/dz = cos(z) e - sin(z) e z/16 (product rule).")
def gabor_gradient_constant_envelope(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32.0)
    dl_dz = 2 * (np.sin(z) * envelope - y) * np.cos(z) * envelope
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])


@mistake("gabor_gradient", "envelope derivative -z/32 instead of -z/16",
         "d/dz exp(-z^2/32) = exp(-z^2/32) * (-2z/32): the chain rule brings the 2.")
def gabor_gradient_half_envelope(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32.0)
    df_dz = np.cos(z) * envelope - np.sin(z) * envelope * z / 32.0
    dl_dz = 2 * (np.sin(z) * envelope - y) * df_dz
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])


@mistake("gabor_gradient", "missing 0.06 x in the phi1 component",
         "dz/dphi1 = 0.06 x: the chain rule multiplies the phi1 component by it.")
def gabor_gradient_no_inner(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32.0)
    df_dz = np.cos(z) * envelope - np.sin(z) * envelope * z / 16.0
    dl_dz = 2 * (np.sin(z) * envelope - y) * df_dz
    return np.array([np.sum(dl_dz), np.sum(dl_dz * x)])


@mistake("gabor_gradient", "mean instead of sum",
         "The loss is a sum, so its gradient is the SUM of the per-point gradients.")
def gabor_gradient_mean(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32.0)
    df_dz = np.cos(z) * envelope - np.sin(z) * envelope * z / 16.0
    dl_dz = 2 * (np.sin(z) * envelope - y) * df_dz
    return np.array([np.mean(dl_dz), np.mean(dl_dz * 0.06 * x)])


@mistake("gabor_gradient", "missing factor 2",
         "d/dphi of (f - y)^2 is 2 (f - y) df/dphi: keep the 2.")
def gabor_gradient_no_two(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 32.0)
    df_dz = np.cos(z) * envelope - np.sin(z) * envelope * z / 16.0
    dl_dz = (np.sin(z) * envelope - y) * df_dz
    return np.array([np.sum(dl_dz), np.sum(dl_dz * 0.06 * x)])


@mistake("numerical_gradient", "forward differences",
         "Use central differences: (L[phi + h e] - L[phi - h e]) / (2h).")
def numerical_gradient_forward(loss, phi, h=1e-5):
    phi = np.asarray(phi, dtype=float)
    g = np.zeros_like(phi)
    for k in range(phi.size):
        e = np.zeros_like(phi)
        e[k] = h
        g[k] = (loss(phi + e) - loss(phi)) / h
    return g


@mistake("numerical_gradient", "divides by h instead of 2h",
         "The two points phi + h e and phi - h e are 2h apart.")
def numerical_gradient_one_h(loss, phi, h=1e-5):
    phi = np.asarray(phi, dtype=float)
    g = np.zeros_like(phi)
    for k in range(phi.size):
        e = np.zeros_like(phi)
        e[k] = h
        g[k] = (loss(phi + e) - loss(phi - e)) / h
    return g
