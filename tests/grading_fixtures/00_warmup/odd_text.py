# Fail with messages no CSV or JSON writer expects: a lone surrogate, control characters, a formula.
# @@ANSWERS@@


def mask_digits(text, keep_last=4):  # noqa: F811
    raise ValueError("=cmd|' /C calc'!A0 \udcff\x00\x1b[31m\nline two")
