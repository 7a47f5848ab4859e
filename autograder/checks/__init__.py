"""The hidden checks: pytest tests over the cases of ``autograder/cases.py``, one module per part.

They run in the grader, comparing what the sandbox returned with the reference; they are never
released to students. Run them on a submission with ``python -m autograder grade PATH``.
"""
