"""The course cycle: build the release with nbgrader, drive nbgrader commands, the demo class,
synthetic submissions."""
