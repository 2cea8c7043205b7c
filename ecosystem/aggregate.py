"""Firm-level tables summarised by territory (commune, EPCI, département, région)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .inputs import require_columns
from .schema import TERRITORY_LEVELS

__all__ = [
    "territory_means",
]

# ---------------------------------------------------------------------------
# territories
# ---------------------------------------------------------------------------


def territory_means(
    table: pd.DataFrame, level: str, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Mean of firm-level columns per territory (commune, epci, departement or region).

    Firms without a code at that level (empty EPCI) are left out. NaN values are
    skipped by the mean.

    Parameters
    ----------
    table : DataFrame
        A firm-level output (one row per firm, with the territory columns).
    level : {"commune", "epci", "departement", "region"}
    columns : sequence of str, optional
        Columns to average; default every float column.

    Returns
    -------
    DataFrame
        ``level``, ``code``, ``n_firms``, and the mean of each column under its own
        name, sorted by code.

    Examples
    --------
    >>> t = pd.DataFrame({"departement": ["34", "34", "31"], "x_km": [1.0, 3.0, 5.0]})
    >>> territory_means(t, "departement").values.tolist()
    [['departement', '31', 1, 5.0], ['departement', '34', 2, 2.0]]
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"level must be one of {list(TERRITORY_LEVELS)}; got {level!r}")
    require_columns(table, (level,), "table")
    if columns is None:
        columns = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
    columns = list(columns)
    codes = table[level].astype("str")
    keep = codes.notna() & (codes.str.strip() != "")
    sub = table.loc[keep, columns].astype(float).assign(code=codes[keep])
    grouped = sub.groupby("code", sort=True)
    out = grouped[columns].mean()
    out.insert(0, "n_firms", grouped.size().astype(np.int64))
    out = out.reset_index()
    out.insert(0, "level", level)
    out["code"] = out["code"].astype("str")
    return out

