"""Mask the columns of a table: one operator per column, the input left untouched.

``mask_table(patients, {"ssn": pseudonymize_with(key, "US_SSN"), "zip": truncate_zip_with(),
"notes": anonymize_with()})`` returns a new DataFrame. The rules for cells:

* **missing** cells (``None``, ``NaN``, ``NaT``, ``pd.NA``) stay missing, untouched: a missing value
  is never turned into the string ``"nan"`` and pseudonymised;
* **text operators** (mask, pseudonymize, tokenize, ZIP truncation, ...) need ``str`` cells. A
  number is refused with a ``TypeError`` naming the column, not converted: an SSN or ZIP code
  stored as a number has lost its leading zeros, and only the data owner knows how to restore them
  (``df["zip"].astype(str).str.zfill(5)``);
* **number operators** (``bucket_with``) need real numbers, **date operators** dates or ISO strings;
* a **deterministic** operator is computed once per distinct value (``pd.factorize``), so repeated
  values cost nothing; a randomised one (``encrypt_with``) runs on every cell, so equal values
  still encrypt differently;
* columns not named keep their values; a named column that is absent is a ``ValueError``
  (``on_missing="ignore"`` skips it instead).

An operator with ``by`` (``shift_dates_with(key, by="patient_id")``) reads that column of the
*input*, so it is unaffected by masking the id column in the same call.
"""

from __future__ import annotations

import datetime as dt
import numbers

import numpy as np
import pandas as pd

from .operators import Operator, as_operator


def _check_cells(values: pd.Series, accepts: str, column: str, op: str) -> None:
    """Raise a TypeError naming the column (never the value) if a present cell is of the wrong kind."""
    if accepts == "text":
        ok = [isinstance(v, str) for v in values]
        need = "str"
        hint = (" Numbers lose leading zeros (SSN, ZIP): convert explicitly, e.g. "
                f"df[{column!r}].astype(str).str.zfill(n).")
    elif accepts == "number":
        ok = [isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in values]
        need, hint = "real numbers", ""
    else:
        ok = [isinstance(v, (str, dt.date, pd.Timestamp)) for v in values]
        need, hint = "dates, datetimes or ISO 8601 str", ""
    if not all(ok):
        bad = values.index[ok.index(False)]
        kind = type(values.loc[bad]).__name__
        raise TypeError(f"column {column!r}: operator {op!r} needs {need} cells, got {kind} at row "
                        f"{bad} (column dtype {values.dtype}).{hint}")


def mask_column(values: pd.Series, op, *, by: pd.Series | None = None) -> pd.Series:
    """One column through one operator (see the module docstring); a new Series."""
    if not isinstance(values, pd.Series):
        raise TypeError(f"values must be a pandas Series, got {type(values).__name__}")
    op = as_operator(op)
    name = str(values.name)
    if op.by is not None and by is None:
        raise ValueError(f"operator {op.name!r} needs the column {op.by!r} (pass by=)")
    try:
        if op.column is not None:
            return op.column(values, by)
        missing = values.isna().to_numpy()
        present = values[~missing]
        _check_cells(present, op.accepts, name, op.name)
        if op.deterministic:
            codes, uniques = pd.factorize(present)
            new = np.empty(len(uniques), dtype=object)
            new[:] = [op(v) for v in uniques]
            new = new[codes]
        else:
            new = [op(v) for v in present]
    except (ValueError, TypeError) as exc:
        if str(exc).startswith("column "):
            raise
        raise (TypeError if isinstance(exc, TypeError) else ValueError)(f"column {name!r}: {exc}") from exc
    out = values.astype(object)  # a copy: the input Series is not modified
    out[~missing] = new
    return out


def mask_table(df: pd.DataFrame, columns: dict, *, on_missing: str = "error") -> pd.DataFrame:
    """A copy of ``df`` with each column in ``columns`` passed through its operator.

    ``columns`` maps column names to operators (``"mask"``, ``"redact"``, ``"keep"``, an
    :class:`~course_lib.masking.operators.Operator` or a callable ``f(value, entity)``).
    ``on_missing``: ``"error"`` (a column that is not in ``df`` is a ``ValueError`` naming it) or
    ``"ignore"`` (skip it).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(columns, dict):
        raise TypeError(f"columns must be a dict mapping column names to operators, got "
                        f"{type(columns).__name__}")
    if on_missing not in ("error", "ignore"):
        raise ValueError(f"on_missing must be 'error' or 'ignore', got {on_missing!r}")
    if df.columns.duplicated().any():
        raise ValueError(f"df has duplicate column names {list(df.columns[df.columns.duplicated()])}; "
                         "rename them first")
    ops: dict[str, Operator] = {}
    for column, spec in columns.items():
        if column not in df.columns:
            if on_missing == "error":
                raise ValueError(f"column {column!r} is not in the table (columns: {list(df.columns)})")
            continue
        op = as_operator(spec)
        if op.by is not None and op.by not in df.columns:
            raise ValueError(f"column {column!r}: operator {op.name!r} reads the column {op.by!r}, "
                             f"which is not in the table")
        ops[column] = op
    out = df.copy()
    for column, op in ops.items():
        out[column] = mask_column(df[column], op, by=df[op.by] if op.by is not None else None)
    return out
