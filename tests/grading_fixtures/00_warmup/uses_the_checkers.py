# Answer with the grader's own reference computations instead of writing them.
from course_lib.grading.checks import ex00_warmup  # noqa: F401 - only importing it is the attack

# @@ANSWERS@@
