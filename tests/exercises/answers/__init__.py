"""Answers written from the exercise docstrings alone, to measure the checkers.

One module per exercise: ``CORRECT`` maps each task to answers that the docstring allows (written in
other ways than the solution) and ``WRONG`` to plausible mistakes. ``test_answer_rates.py`` asserts
how many of each the checkers accept.
"""
