"""Exporters: text tables, the nbgrader gradebook, Gradescope results, feedback pages."""
