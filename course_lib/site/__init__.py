"""The course as a static HTML book, built offline: ``python3 course.py site`` (see build.py)."""
