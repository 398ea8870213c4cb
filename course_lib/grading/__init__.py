"""Exercises and grading: one task specification serves four consumers.

- ``spec``      what an exercise is: tasks, the function each task asks for, a checker, a hint
- ``checks/``   the checkers of each exercise (``ex00_warmup.py`` ...), written once
- ``loader``    loads a learner's file and runs one task against it, turning every failure into
                a reason a learner can act on
- ``runner``    the child process that grades one submission (isolation, output capping)
- ``grader``    the batch grader: a folder of submissions -> a CSV gradebook
- ``generate``  ``solutions/*.py`` -> ``exercises/*.py`` (solution code replaced by stubs)

``course_lib.check`` (in a notebook or the shell) and ``tests/exercises`` (pytest) use the same
checkers, so a learner's instant feedback and the instructor's grade never disagree.
"""

from .spec import CheckFailure, Exercise, Task, exercise_names, get_exercise

__all__ = ["CheckFailure", "Exercise", "Task", "exercise_names", "get_exercise"]
