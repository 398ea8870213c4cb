"""Checkers, one module per exercise: ``exNN_topic.py`` defines ``EXERCISE``."""
