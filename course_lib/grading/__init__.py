"""Exercises and grading: one task specification serves four consumers.

- ``spec``      what an exercise is: tasks, the function each task asks for, a checker, a hint
- ``checks/``   the checkers of each exercise (``ex00_warmup.py`` ...), written once
- ``loader``    loads a learner's file and runs one task against it, turning every failure into
                a reason a learner can act on
- ``grader``    the batch grader: a folder of submissions -> a CSV gradebook (and nbgrader, Gradescope
                and feedback files); it never runs submission code itself
- ``child``     the sandboxed process that imports a submission and calls its functions on request
- ``remote``    the grader's stand-ins for those functions, with deadlines nothing can extend
- ``wire``      the plain data (JSON, ``.npy`` without pickle) that crosses between the two
- ``sandbox``   starting the child as isolated as the machine allows, and killing all it started
- ``release``   a learner copy of the course without ``solutions/``
- ``generate``  ``solutions/*.py`` -> ``exercises/*.py`` (solution code replaced by stubs)

``course_lib.check`` (in a notebook or the shell) and ``tests/exercises`` (pytest) use the same
checkers, so a learner's instant feedback and the instructor's grade never disagree.
"""

from .spec import CheckFailure, Exercise, Task, exercise_names, get_exercise

__all__ = ["CheckFailure", "Exercise", "Task", "exercise_names", "get_exercise"]
