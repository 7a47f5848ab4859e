"""Every Markdown cell of the source notebooks renders as prose, headings and mathematics, not as
raw text: parsed with the Markdown library nbconvert uses (mistune, through nbconvert's own
math-aware parser), exactly as `jupyter nbconvert --to html` renders it.

Catches the mistakes that are invisible in the .ipynb text and glaring on screen:
- a paragraph indented by four spaces or more becomes a code block (title, emphasis, formulas all
  shown as raw text), unless the source fences it with ``` or ~~~ on purpose;
- `$...$` or `$$...$$` mathematics inside a code block (never typeset);
- a `$` the math parser did not pair, left in the text as a literal dollar sign;
- `\\text{...}` holding a backslash escape such as `\\_`: MathJax shows text mode verbatim, so
  `$\\text{max\\_dist}$` renders with its backslash;
- a notebook whose first cell is not a level-1 heading (its title).
"""
import json
import re
from pathlib import Path

import pytest
from nbconvert.filters.markdown_mistune import MarkdownWithMath, markdown2html_mistune

SOURCE = Path(__file__).resolve().parents[1] / "source"
NOTEBOOKS = sorted(SOURCE.rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]

MATH = re.compile(r"(?<!\\)\$\$?[^$\n]+?(?<!\\)\$")             # $x$ or $$x$$ on one line
TEXT_ESCAPE = re.compile(r"\\text\{[^{}]*\\[^{}]*\}")             # \text{max\_dist}


def markdown_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            yield index, "".join(source) if isinstance(source, list) else source


def tokens(source):
    """The token tree of a Markdown text, parsed as nbconvert parses it."""
    return MarkdownWithMath(renderer=None)(source)


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node.get("children", ()))


def problems(source):
    """What would render badly in one Markdown cell (a list of sentences; empty if nothing)."""
    found = []
    for node in walk(tokens(source)):
        kind, raw = node["type"], node.get("raw", "")
        first = raw.strip().splitlines()[0][:70] if raw.strip() else ""
        if kind == "block_code" and node.get("style") != "fenced":
            found.append(f"indented text renders as a code block: {first!r}")
        if kind == "block_code" and MATH.search(raw):
            found.append(f"math inside a code block is never typeset: {MATH.search(raw)[0]!r}")
        if kind == "text" and re.search(r"(?<!\\)\$", raw):
            found.append(f"a `$` the math parser did not pair is shown literally: {first!r}")
        if kind in ("inline_math", "block_math", "multiline_math") and TEXT_ESCAPE.search(raw):
            found.append(f"MathJax shows \\text{{}} verbatim, backslash included: {TEXT_ESCAPE.search(raw)[0]!r}")
    return found


def test_the_checks_catch_what_they_should():
    assert problems("# Title\n\nSome *prose* and $x^2$.\n\n```\nprint(1)\n```\n") == []
    assert len(problems("        # Title\n\n        Some $x$.\n")) == 2        # code block, math in it
    assert len(problems("Text\n\n    indented paragraph\n")) == 1
    assert len(problems("a price of $5 and nothing else\n")) == 1
    assert len(problems(r"on $[0, \text{max\_dist}]$" + "\n")) == 1
    assert problems(r"on $[0, \mathrm{max\_dist}]$ and $$L = \sum_i \ell_i$$" + "\n") == []


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5, f"expected the five source notebooks under {SOURCE}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_renders_as_prose_and_math(path):
    bad = [f"cell {index}: {problem}" for index, source in markdown_cells(path) for problem in problems(source)]
    assert not bad, f"{path.name}: {len(bad)} rendering problem(s):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_is_the_title(path):
    cells = list(markdown_cells(path))
    assert cells and cells[0][0] == 0, f"{path.name}: the first cell should be Markdown"
    html = markdown2html_mistune(cells[0][1])
    assert html.lstrip().startswith("<h1"), f"{path.name}: the first cell should open with a # title, renders as {html[:80]!r}"
