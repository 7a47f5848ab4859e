"""The catalogue of known mistakes and accepted variants.

Each entry is an exact alternative implementation, written as a student would (a standalone
function with the contract's signature, using only numpy). When a student's output matches an
entry on a case, the feedback names it; accepted variants earn the points. One module per part:
``gradients``, ``descent``, ``batching``, ``momentum``, ``adam``.
"""
import ast
import inspect
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    function: str        # the graded function it stands for
    name: str            # what the feedback calls it
    hint: str            # what to do about it (empty for accepted variants)
    impl: object         # the implementation
    accepted: bool = False

    def source(self):
        """The implementation as student code: ``def <function>(...)`` with numpy imported."""
        tree = ast.parse(textwrap.dedent(inspect.getsource(self.impl)))
        node = tree.body[0]
        node.decorator_list = []
        node.name = self.function
        return ast.unparse(node)


CATALOGUE = []


def mistake(function, name, hint):
    def register(impl):
        CATALOGUE.append(Entry(function, name, hint, impl))
        return impl
    return register


def accepted(function, name):
    def register(impl):
        CATALOGUE.append(Entry(function, name, "", impl, accepted=True))
        return impl
    return register


def entries(function=None):
    _load()
    return [e for e in CATALOGUE if function is None or e.function == function]


def _load():
    from . import (part1_gradients, part2_gradient_descent, part3_sgd, part4_momentum,  # noqa: F401
                   part5_adam)                                  # importing them registers their entries
