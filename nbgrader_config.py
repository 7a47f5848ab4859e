"""nbgrader configuration: the repository root is the course directory."""
import os

c = get_config()  # noqa: F821 - provided by nbgrader

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "fitting-models"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "assignments"      # generate_assignment writes the student release here
c.CourseDirectory.solution_directory = "solutions"       # generate_solution writes executed solutions here
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".pytest_cache"]

# The exchange (release, submit, collect, feedback) is a project-local folder by default: no root,
# no system paths. Point FITTING_EXCHANGE elsewhere for a shared JupyterHub exchange.
c.Exchange.root = os.environ.get("FITTING_EXCHANGE", os.path.join(here, "exchange"))
c.ExchangeCollect.check_owner = False     # simulated students share one unix user

# Each hidden test cell grades one function on all its cases (well under a second).
c.Execute.timeout = 120
c.Execute.record_timing = False          # no timestamps in executed solutions: rebuilds stay quiet in git
# Short tracebacks, no history file, and nbgrader's own feedback without the hidden tests' source
# (nbgrader issue #917); the grader's HTML pages are the richer feedback.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal", "--HistoryManager.hist_file=:memory:"]
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades", "nbgrader.preprocessors.ClearHiddenTests",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
