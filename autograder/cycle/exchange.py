"""``nbgrader collect`` that enforces what nbgrader's ``check_owner`` only warns about.

On a JupyterHub every student is a unix user and nbgrader's exchange is a shared folder: students
write their submissions into ``inbound/`` (writable by all, not listable) as
``<student id>+<assignment>+<timestamp>+<random>``, and nbgrader takes the student id from that name.
nbgrader 0.9.6's ``collect`` only *warns* when the folder is owned by another user than the name
says ("cheating attempt?") and collects it anyway, so one student can hand in under another's
name, and the newest submission wins. It also copies with ``shutil.copytree``, following symbolic
links as the instructor: a student who plants ``1_gradients.ipynb -> <instructor's course>/source/
fitting_models/1_gradients.ipynb`` in a submission folder of her own gets the instructor's solution
copied into ``submitted/`` (and graded); a FIFO or ``/dev/zero`` link stalls the whole collect.

``OwnerCheckedCollect`` (select it with ``c.ExchangeFactory.collect =
"autograder.cycle.exchange.OwnerCheckedCollect"``) collects as nbgrader does, except:
- with ``check_owner`` (nbgrader's default, on): a submission folder not owned by the unix user
  its name claims is refused, with an error naming both, and the student's newest genuine
  submission is collected instead; inside a genuine submission, a file or folder owned by anybody
  else (one slipped in by another user who learnt the folder's name) is not collected (error);
- always: symbolic links and special files (FIFOs, devices, sockets) are never followed or copied
  (error naming them), whoever owns them.
Where every file is owned by one shared uid (a DockerSpawner running all servers as ``jovyan``),
owners say nothing: set ``check_owner = False`` there (links are still refused).
"""
import glob
import os
import pwd
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.utils import ignore_patterns


class OwnerCheckedCollect(ExchangeCollect):

    def _owner(self, path):
        try:
            uid = os.lstat(path).st_uid
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return f"uid {uid}"
        except OSError:
            return None

    def init_src(self):
        super().init_src()              # nbgrader's checks, the due date, its choice (recomputed below)
        pattern = os.path.join(self.inbound_path, f"{self.coursedir.student_id or '*'}+{self.coursedir.assignment_id}+*")
        genuine = []
        for path in glob.glob(pattern):
            record = self._path_to_record(path)
            owner = self._owner(path)
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                self.log.error("refused %s: not a folder (a symbolic link?), not collected", path)
            elif self.check_owner and owner != record["username"]:
                self.log.error("refused %s: it claims to be submitted by %s but is owned by %s (not collected)",
                               path, record["username"], owner)
            else:
                genuine.append(record)
        self.src_records = []
        for records in groupby(genuine, lambda r: r["username"]).values():
            records = self._sort_by_timestamp(records)
            if self.duedate is not None and self.before_duedate:
                records = [r for r in records if r["timestamp"] <= self.duedate] or records
            self.src_records.append(records[0])

    def _refused(self, src, student):
        """Paths under ``src`` (relative) that are not collected, and why."""
        refused = {}
        for folder, dirs, files in os.walk(src):
            for name in dirs + files:
                path = os.path.join(folder, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode):
                    why = f"a symbolic link (to {os.readlink(path)})"
                elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    why = "not a regular file"
                elif self.check_owner and student is not None and self._owner(path) != student:
                    why = f"owned by {self._owner(path)}, not by {student}"
                else:
                    continue
                refused[os.path.relpath(path, src)] = why
            dirs[:] = [d for d in dirs if os.path.relpath(os.path.join(folder, d), src) not in refused]
        return refused

    def do_copy(self, src, dest, log=None):
        """Copy a submission as nbgrader does, without what ``_refused`` names; one that is too large
        or too deep to copy whole (nbgrader would stop the collect of the whole class) gives only
        its top-level files, with an error naming it."""
        student = os.path.basename(src).rsplit("+", 3)[0] if "+" in os.path.basename(src) else None
        try:
            self._copy_whole(src, dest, student)
        except (_TooBig, RecursionError, OSError) as error:
            shutil.rmtree(dest, ignore_errors=True)
            why = "folders nested too deeply" if isinstance(error, RecursionError) else str(error)
            self.log.error("%s could not be collected whole (%s): only its notebooks and timestamp are", src, why)
            self._copy_top(src, dest, student)
        if self.coursedir.groupshared:
            for folder, _, files in os.walk(dest):
                os.chmod(folder, (os.stat(folder).st_mode | 0o2770) & 0o2777)
                for name in files:
                    path = os.path.join(folder, name)
                    os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)

    def _copy_whole(self, src, dest, student):
        refused = self._refused(src, student)
        for path, why in sorted(refused.items()):
            self.log.error("not collected: %s in %s is %s", path, src, why)
        dir_size = self.get_size(src)
        if dir_size > 1000 * self.coursedir.max_dir_size:
            raise _TooBig(f"{dir_size} bytes, more than CourseDirectory.max_dir_size")
        usual = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                max_file_size=self.coursedir.max_file_size, log=self.log)

        def ignore(folder, names):
            skipped = set(usual(folder, names))
            return skipped | {n for n in names if os.path.relpath(os.path.join(folder, n), src) in refused}

        shutil.copytree(src, dest, symlinks=True, ignore=ignore)

    def _copy_top(self, src, dest, student):
        """The notebooks and timestamp.txt directly in ``src``, within the size limits."""
        os.makedirs(dest, exist_ok=True)
        left = 1000 * self.coursedir.max_dir_size
        for entry in sorted(os.scandir(src), key=lambda e: e.name):
            info = entry.stat(follow_symlinks=False)
            wanted = entry.name.endswith(".ipynb") or entry.name == "timestamp.txt"
            if wanted and stat.S_ISREG(info.st_mode) and info.st_size <= min(left, 1000 * self.coursedir.max_file_size) \
                    and not (self.check_owner and student is not None and self._owner(entry.path) != student):
                shutil.copyfile(entry.path, os.path.join(dest, entry.name), follow_symlinks=False)
                left -= info.st_size
            elif wanted:
                self.log.error("not collected: %s in %s (too large, or not a file of the student's)", entry.name, src)


class _TooBig(Exception):
    pass
