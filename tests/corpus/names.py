"""Names of the mistakes the corpus brought into the catalogue (rng.choice, PyTorch's and
Sutskever's Nesterov) or that the grader names by a rule (a generator left untouched, float32,
None), and the name of inputs changed in place."""

FLOAT32 = "computed in float32"
NO_RETURN = "no return statement (returns None)"
NP_RANDOM = "does not use the rng it is given"      # named from the generator left untouched
CHOICE_NO_REPLACE = "rng.choice(n, n, replace=False) instead of rng.permutation(n)"
RANDOM_SHUFFLE = NP_RANDOM                           # (the grader names the whole family at once)
PYTORCH_NESTEROV = "PyTorch-style Nesterov (steps with beta m + (1 - beta) g; returns the look-ahead points)"
SUTSKEVER_UNDAMPED = "Sutskever's Nesterov without (1 - beta)"

# issue 11, point 3: the grader names what changed ("changed phi0 in place: work on a copy", or x, y, batches)
IN_PLACE = "changed phi0 in place"
