"""The hidden tests of the course's assignment: one test per graded function, named after it,
parametrized over its hidden cases (see ``plugin.hidden_tests``)."""
from autograder.engine.hidden import plugin as _plugin

globals().update(_plugin.hidden_tests())
