"""nbgrader's own commands and formgrader buttons, made safe with this grader (selected in the
course's ``nbgrader_config.py``):

- ``nbgrader autograde`` (the formgrader's Autograde button): ``SandboxedGrade`` takes the place of
  nbgrader's ``Execute``: no kernel runs student code; the submission is graded by this grader in
  its sandbox and each hidden-test cell gets the same report and points as
  ``python -m autograder grade --gradebook`` writes (``SaveAutoGrades`` records them);
  ``GraderComments``, after it, puts this grader's comments back.
- ``nbgrader generate_feedback`` (the Generate Feedback button): ``FeedbackExporter`` writes this
  grader's page (late penalty included) instead of nbgrader's rendering of the notebook.
"""
from pathlib import Path

from nbconvert.exporters import Exporter
from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor   # enabled by default

from .. import course as _course

_GRADED = {}                # (submission folder, its fingerprint) -> Record: one grading per submission


def _record(student, assignment, config):
    from nbgrader.coursedir import CourseDirectory
    from ..engine import submissions
    from ..engine.grading import grade
    coursedir = CourseDirectory(config=config)
    folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    key = (str(folder), submissions.fingerprint(submissions.Submission(student, folder)))
    if key not in _GRADED:
        records, _ = grade([folder], jobs=1)
        record = records[0]
        record.student = student
        _GRADED[key] = record
    return _GRADED[key]


class SandboxedGrade(Preprocessor):
    """Grade the submission with this grader; fill each hidden-test cell with its report and points."""

    def preprocess(self, nb, resources):
        from .autograded import fill
        info = resources["nbgrader"]
        fill(nb, _record(info["student"], info["assignment"], self.config), f"{info['notebook']}.ipynb")
        return nb, resources


class GraderComments(Preprocessor):
    """This grader's one-line comment on each function's solution cell (after ``SaveAutoGrades``)."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry
        from .gradebook import _comment
        info = resources["nbgrader"]
        record = _record(info["student"], info["assignment"], self.config)
        with Gradebook(info["db_url"]) as gb:
            for function in (f for f in record.functions if Path(f.notebook).stem == info["notebook"]):
                try:
                    comment = gb.find_comment(function.function, info["notebook"], info["assignment"], info["student"])
                except MissingEntry:
                    continue
                comment.auto_comment = _comment(record, function.function)
            gb.db.commit()
        return nb, resources


class FeedbackExporter(Exporter):
    """Generate Feedback: this grader's page of the student, for each of their notebooks."""
    output_mimetype = "text/html"

    def _file_extension_default(self):
        return ".html"

    def from_notebook_node(self, nb, resources=None, **kw):
        from .feedback.page import render
        from .feedback.release import late_penalties
        from .gradebook import load_config
        info = resources["nbgrader"]
        record = _record(info["student"], info["assignment"], self.config)
        root = _course.current().root
        late = late_penalties(root, [info["student"]], load_config(root)).get(info["student"])
        resources = dict(resources, output_extension=".html")
        return render(record, late), resources
