"""Per-student HTML feedback pages from grading Records.

    from autograder.exporters.feedback import render, write_reports
    html = render(record)                         # one self-contained page (str)
    paths = write_reports(records, "feedback/")   # feedback/<student>.html, written atomically

A page shows of the reference only, per failed case, the value at the first divergent step and
the reference trajectory up to that step.
"""
from .page import render, report_name, write_reports

__all__ = ["render", "write_reports", "report_name"]
