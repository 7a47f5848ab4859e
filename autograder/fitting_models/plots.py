"""Plots of a failed optimiser case of "Fitting models": loss contours, the student's path and the reference path up
to the first divergent step (never beyond), as a small PNG data URI.

Drawn with the assignment's own ``plot_contours`` (the picture students know from the notebooks)
on a ``matplotlib.figure.Figure`` (Agg, no pyplot state: nothing to close, safe in a loop).
"""
import base64
import io
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import course as _course
from ..engine import reference

STUDENT, REFERENCE = "your path", "reference"
STUDENT_COLOR, REFERENCE_COLOR = "#d62728", "#ff7f0e"   # plot_contours' first two colours
WIDEN = 2.5          # the window may grow to the default ranges' centre +- WIDEN spans, no further
ZOOM_MAX = 0.5       # zoom in on an axis when the paths cover less than this share of its range
ZOOM_MIN = 0.15      # ... but show at least this share of it (the landscape around the path)
DPI = 80
FIGSIZE = (8.4, 4.1)
CACHE_LIMIT = 200_000
PALETTE = 256         # colours of the PNG palette (~30 KB a plot instead of ~150 KB)


@dataclass
class Window:
    """What the plot shows, and what it could not show, in words."""
    ranges: tuple
    widened: bool = False
    notes: list = field(default_factory=list)


_LOSS_CACHE = {}


def cached_loss(dataset):
    """The reference loss of ``dataset``, memoised on the point: the contour grid of a window is
    computed once per process, however many plots use it."""
    loss = reference.environment()["inputs"][f"{dataset}_loss"]
    cache = _LOSS_CACHE.setdefault(dataset, {})

    def memoised(phi, x, y):
        key = (float(phi[0]), float(phi[1]))
        value = cache.get(key)
        if value is None:
            if len(cache) > CACHE_LIMIT:
                cache.clear()
            value = cache[key] = float(loss(np.asarray(phi, dtype=float), x, y))
        return value
    return memoised


def _rows(path):
    rows = np.asarray(path, dtype=float)
    if rows.ndim != 2 or rows.shape[1] != 2:
        raise ValueError(f"not a trajectory: shape {rows.shape}")
    return rows


def window(dataset, student, prefix):
    """Plot ranges showing both paths, and which rows of ``student`` can be drawn.

    Per axis: the assignment's ``PARAMETER_RANGES``; zoomed in when the paths cover only a small
    part of them; widened (at most to the centre +- WIDEN spans) when a path leaves them. Rows
    that are not finite or lie beyond that limit are not drawn, and ``notes`` says so."""
    default = _course.current().tools.PARAMETER_RANGES[dataset]
    d_lo = np.array([r[0] for r in default], dtype=float)
    d_hi = np.array([r[1] for r in default], dtype=float)
    span = d_hi - d_lo
    limit_lo, limit_hi = (d_lo + d_hi) / 2 - WIDEN * span, (d_lo + d_hi) / 2 + WIDEN * span
    notes, drawable = [], {}
    for name, rows in (("student", student), ("reference", prefix)):
        finite = np.isfinite(rows).all(axis=1)
        with np.errstate(invalid="ignore"):
            inside = finite & np.all((rows >= limit_lo) & (rows <= limit_hi), axis=1)
        drawable[name] = inside
        if name == "student" and not inside.all():
            bad = np.flatnonzero(~inside)
            first, not_finite = int(bad[0]), int((~finite).sum())
            why = []
            if not_finite:
                why.append(f"{not_finite} not finite (inf or nan)")
            if len(bad) > not_finite:
                why.append(f"{len(bad) - not_finite} far outside the plot "
                           f"(values up to {np.abs(rows[finite & ~inside]).max():.3g})")
            what = f"{len(bad)} of the {len(rows)} rows of your path cannot be drawn: {', '.join(why)}."
            if first > 0:
                what = (f"Your path is drawn up to step {first - 1}: from step {first} on, {what} "
                        "It diverged: try a smaller step, or check the sign and size of your update.")
            notes.append(what)
    points = np.vstack([student[drawable["student"]], prefix[drawable["reference"]]])
    lo, hi, widened = d_lo.copy(), d_hi.copy(), False
    for i in range(2 if len(points) else 0):
        p_lo, p_hi = points[:, i].min(), points[:, i].max()
        pad = max(0.12 * (p_hi - p_lo), 0.03 * span[i])
        f_lo, f_hi = p_lo - pad, p_hi + pad
        if f_hi - f_lo < ZOOM_MIN * span[i]:
            middle = (f_lo + f_hi) / 2
            f_lo, f_hi = middle - ZOOM_MIN * span[i] / 2, middle + ZOOM_MIN * span[i] / 2
        if f_hi - f_lo <= ZOOM_MAX * span[i]:
            lo[i], hi[i] = f_lo, f_hi                               # zoomed in on the paths
        elif p_lo < d_lo[i] or p_hi > d_hi[i]:
            lo[i], hi[i] = min(d_lo[i], f_lo), max(d_hi[i], f_hi)   # widened to fit them
            widened = True
    if widened:
        notes.append("The plot extends beyond the usual parameter ranges so that your path fits.")
    return Window(((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))), widened, notes), drawable


def _zoom_ranges(ref_part, student_point, main):
    """A square window around the step where the paths part: the last agreed point and both
    points of the divergent step; only the latter two when they are much closer to each other
    than to the former (a small difference on a long step). Returns (ranges, magnified)."""
    points, magnified = ref_part, False
    if student_point is not None:
        points = np.vstack([ref_part, student_point])
        gap = float(np.hypot(*(student_point - ref_part[-1])))
        stride = float(np.hypot(*(ref_part[-1] - ref_part[0])))
        if 0 < gap < 0.15 * stride:
            points, magnified = np.vstack([ref_part[-1], student_point]), True
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    extent = float(np.max(points.max(axis=0) - points.min(axis=0)))
    main_span = min(main[0][1] - main[0][0], main[1][1] - main[1][0])
    half = max(extent * (1.2 if magnified else 0.9), main_span * 1e-9, 1e-12,
               1e-13 * float(np.abs(centre).max()))
    return ((centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)), magnified


LABEL_FONT = 8
# (dx, dy) offsets of a label from its point, in points, with the text alignment they need
_SPOTS = [(dx, dy, "left" if dx > 0 else "right" if dx < 0 else "center",
           "bottom" if dy > 0 else "top" if dy < 0 else "center")
          for dx, dy in ((9, 8), (-9, 8), (9, -8), (-9, -8), (0, 13), (0, -13), (12, 0), (-12, 0))]


def _place_labels(ax, labels, reserved=()):
    """Annotate points without labels covering each other, the points or the panel's edge.

    ``labels``: [(xy, text, colour)]; greedy, in order, over eight spots around each point,
    using text sizes estimated from the character count (no renderer needed). ``reserved``:
    rectangles (x0, y0, x1, y1) in axes fractions that already hold text."""
    fig = ax.figure
    px = fig.dpi / 72
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    bounds = ax.get_position()
    width_px, height_px = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    left, bottom = bounds.x0 * width_px, bounds.y0 * height_px
    w_ax, h_ax = bounds.width * width_px, bounds.height * height_px

    def to_px(xy):
        return (left + (xy[0] - x0) / (x1 - x0) * w_ax, bottom + (xy[1] - y0) / (y1 - y0) * h_ax)

    points = [to_px(xy) for xy, _, _ in labels if np.all(np.isfinite(xy))]
    placed = [(left + a * w_ax, bottom + b * h_ax, left + c * w_ax, bottom + d * h_ax)
              for a, b, c, d in reserved]
    for xy, text, color in labels:
        if not (np.all(np.isfinite(xy)) and x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1):
            continue
        px_xy = to_px(xy)
        w, h = (0.58 * LABEL_FONT * len(text) + 6) * px, (LABEL_FONT * 1.45 + 4) * px
        best = None
        for rank, (dx, dy, ha, va) in enumerate(_SPOTS):
            ax_ = px_xy[0] + dx * px - (w if ha == "right" else w / 2 if ha == "center" else 0)
            ay = px_xy[1] + dy * px - (h if va == "top" else h / 2 if va == "center" else 0)
            rect = (ax_, ay, ax_ + w, ay + h)
            cost = rank * 0.01
            outside = max(0, left - rect[0]) + max(0, rect[2] - left - w_ax) + \
                max(0, bottom - rect[1]) + max(0, rect[3] - bottom - h_ax)
            cost += outside * 10
            for other in placed:
                cost += 5 * _overlap(rect, other)
            for p in points:
                cost += 2 * _overlap(rect, (p[0] - 7 * px, p[1] - 7 * px, p[0] + 7 * px, p[1] + 7 * px))
            if best is None or cost < best[0]:
                best = (cost, rect, dx, dy, ha, va)
        _, rect, dx, dy, ha, va = best
        placed.append(rect)
        ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                    fontsize=LABEL_FONT, zorder=7,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=color, lw=1, alpha=0.92))


def _overlap(a, b):
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _outlined(width):
    from matplotlib import patheffects
    return [patheffects.withStroke(linewidth=width, foreground="k")]


def figure(result):
    """The figure of one failed trajectory case (a CaseResult with ``path``, ``reference_prefix``,
    ``step`` and ``dataset``); returns (Figure, Window)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    dataset, step = result.dataset, int(result.step)
    student, prefix = _rows(result.path), _rows(result.reference_prefix)[:step + 1]
    win, drawable = window(dataset, student, prefix)
    shown = np.where(drawable["student"][:, None], student, np.nan)
    loss = cached_loss(dataset)
    tools = _course.current().tools

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    main, zoom = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    fig.subplots_adjust(left=0.085, right=0.98, top=0.92, bottom=0.22, wspace=0.3)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        default = tuple(map(tuple, tools.PARAMETER_RANGES[dataset]))
        tools.plot_contours(loss, dataset, paths={STUDENT: shown, REFERENCE: prefix}, ax=main, colorbar=False,
                            title="your path and the reference", ranges=win.ranges,
                            size=61 if win.ranges == default else 45)   # the default grid is cached
    if main.get_legend() is not None:
        main.get_legend().remove()            # one legend for both panels, below them
    lines = main.get_lines()
    if len(lines) >= 4:                       # path, start marker (student); path, start (reference)
        lines[0].set(zorder=3)
        lines[2].set(lw=2, ms=3.5, zorder=4, path_effects=_outlined(3.5))
        lines[3].set(zorder=4)
    main.set_xlim(*win.ranges[0])
    main.set_ylim(*win.ranges[1])
    ring = dict(ms=11, mfc="none", mew=1.8, ls="none", zorder=6)
    main.plot(*prefix[step], "o", mec="k", **ring)
    for axis in (main.xaxis, main.yaxis):
        axis.set_major_locator(MaxNLocator(6))

    # the zoom: the last step both agree on (step - 1), and the step where they part
    first = max(step - 1, 0)
    ref_part = prefix[first:step + 1]
    stu_part = student[first:step + 1]
    stu_ok = bool(np.isfinite(stu_part[-1]).all()) and bool(drawable["student"][step])
    stu_draw = stu_part[np.isfinite(stu_part).all(axis=1)]
    zr, magnified = _zoom_ranges(ref_part, stu_part[-1] if stu_ok else None, win.ranges)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        tools.plot_contours(loss, dataset, paths=None, ax=zoom, ranges=zr, size=21, colorbar=False,
                            title=f"zoom on step {step}, the first difference")
    scale = f"panel width {zr[0][1] - zr[0][0]:.2g}"
    if magnified:
        scale += f"; step {step - 1} is off the panel"
    zoom.text(0.02, 0.02, scale, transform=zoom.transAxes, fontsize=7.5, color="0.1", zorder=7,
              bbox=dict(fc="white", ec="none", alpha=0.85, pad=1.5))
    zoom.set_xlim(*zr[0])
    zoom.set_ylim(*zr[1])
    zoom.plot(ref_part[:, 0], ref_part[:, 1], "o-", color=REFERENCE_COLOR, lw=2.4, ms=5, zorder=4,
              path_effects=_outlined(4))
    zoom.plot(*ref_part[-1], "o", mec="k", **ring)
    if stu_ok:
        zoom.plot(stu_draw[:, 0], stu_draw[:, 1], "o-", color=STUDENT_COLOR, lw=1.6, ms=4, zorder=5)
        zoom.plot(*stu_part[-1], "o", mec=STUDENT_COLOR, **ring)
        labels = [(stu_part[-1], f"yours, step {step}", STUDENT_COLOR),
                  (ref_part[-1], f"reference, step {step}", REFERENCE_COLOR)]
    else:
        zoom.text(0.5, 0.92, f"your step {step} cannot be drawn", transform=zoom.transAxes,
                  ha="center", fontsize=8, zorder=7, bbox=dict(fc="white", ec=STUDENT_COLOR))
        labels = [(ref_part[-1], f"reference, step {step}", REFERENCE_COLOR)]
    if step > 0:
        labels.append((ref_part[0], f"step {step - 1} (same)", "0.4"))
    _place_labels(zoom, labels, reserved=[(0, 0, 0.02 + 0.0115 * len(scale), 0.08)])
    zoom.set_xticks([])                      # the exact values are in the table of the page
    zoom.set_yticks([])

    n = len(student) - 1
    handles = [Line2D([], [], color=STUDENT_COLOR, marker="o", ms=4, lw=1.5, label=f"your path (steps 0-{n})"),
               Line2D([], [], color=REFERENCE_COLOR, marker="o", ms=4, lw=2, path_effects=_outlined(3.5),
                      label=f"reference, steps 0-{step} only" if step else "reference, step 0 only"),
               Line2D([], [], color="k", marker="o", mfc="none", ms=10, mew=1.8, ls="none",
                      label=f"step {step}: first difference"),
               Line2D([], [], color="0.5", marker="s", mec="k", ms=6, ls="none", label="start")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8.5, frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=2.4)
    return fig, win


def png(fig):
    """The figure as PNG bytes, reduced to a palette (the contour fills have few colours)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image
    except ImportError:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=PALETTE, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE) \
         .save(out, format="png")
    return out.getvalue()


def data_uri(data):
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def plottable(result):
    """True if the CaseResult is a failed trajectory case that can be drawn."""
    step = result.step
    if not (result.status == "failed" and result.dataset in ("linear", "gabor")
            and isinstance(result.path, list) and isinstance(result.reference_prefix, list)
            and type(step) is int and 0 <= step < len(result.reference_prefix) and step < len(result.path)):
        return False
    try:
        _rows(result.path), _rows(result.reference_prefix)
    except (ValueError, TypeError):
        return False
    return True


def plot_check(result):
    """(data URI of the PNG, notes about what the plot could not show) for one CaseResult."""
    fig, win = figure(result)
    return data_uri(png(fig)), win.notes
