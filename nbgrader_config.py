"""nbgrader configuration of the course: the repository root is the course directory.

Production defaults (the demo adds its own overrides in its temporary course): nbgrader's shared
exchange, submissions under another user's id reported (``check_owner``, nbgrader's default),
nbgrader's own autograde and feedback commands (and the formgrader's buttons) done by this grader.
"""
import os

from autograder.cycle.lms import CANVAS

c = get_config()  # noqa: F821 - provided by nbgrader

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "fitting-models"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "assignments"      # generate_assignment writes the student release here
c.CourseDirectory.solution_directory = "solutions"       # generate_solution writes executed solutions here
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".pytest_cache"]

# The exchange (release, fetch, submit, collect, feedback): nbgrader's standard shared folder, as on
# JupyterHub; an administrator creates it once (README, "JupyterHub"). Students' own
# nbgrader_config.py names the same folder and the course id.
c.Exchange.root = "/srv/nbgrader/exchange"
# `nbgrader collect`: refuses a submission handed in under another student's name (nbgrader itself
# only warns, with check_owner on) and never follows a symbolic link or copies a FIFO or device.
c.ExchangeFactory.collect = "autograder.cycle.exchange.OwnerCheckedCollect"

# `nbgrader autograde` and the formgrader's Autograde button: this project's sandboxed grader takes
# the place of a kernel (same scores as `python -m autograder grade --gradebook`, nothing of the
# student's runs outside the sandbox, crashed or hanging submissions graded, comments kept).
c.Autograde.autograde_preprocessors = [
    "autograder.exporters.nbgrader_plugins.SandboxedGrade",
    "nbgrader.preprocessors.SaveAutoGrades",
    "autograder.exporters.nbgrader_plugins.GraderComments",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# `nbgrader generate_feedback` and the Generate Feedback button: this project's feedback page.
c.GenerateFeedback.exporter_class = "autograder.exporters.nbgrader_plugins.FeedbackExporter"

# `nbgrader zip_collect` of an LMS download: Canvas file names, Canvas ids mapped to the course's ids
# by lms_students.csv (Canvas's gradebook export, or columns lms_id,student_id). Moodle and
# Blackboard: use autograder.cycle.lms.MOODLE or BLACKBOARD as the pattern (README, "LMS").
c.ZipCollectApp.collector_plugin = "autograder.cycle.lms.LmsCollector"
c.LmsCollector.named_regexp = CANVAS
c.LmsCollector.student_ids = os.path.join(here, "lms_students.csv")

# Kernels still run the notebooks in `python -m autograder build` (generate_solution), and under
# nbgrader autograde if the preprocessors above are reset to nbgrader's (then each hidden-test cell
# grades its function in the kernel, well under a second).
c.Execute.timeout = 120
c.Execute.record_timing = False          # no timestamps in executed solutions: rebuilds stay quiet in git
# Short tracebacks and no history file in kernels.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal", "--HistoryManager.hist_file=:memory:"]
