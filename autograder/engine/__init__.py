"""The grading engine: sandbox, hidden tests, comparison, verdicts, scoring, the results ledger.
It knows no graded function by name: the assignment package supplies the cases and catalogue."""
