"""Reading and checking the cells of data tables: the floor under every reader of ``tradewar.data``.

Tables are CSV or Parquet (by suffix); every check raises :class:`~tradewar.DataError` with one line
naming the file, the field (column) and the row (1-based data row, or the exporter/importer codes)
and how to fix it. Country codes are ISO 3166 alpha-3 or declared region codes; flows are >= 0;
tariffs are fractions above -100%.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._exceptions import DataError, where
from ._world import did_you_mean, iso3_codes

if TYPE_CHECKING:
    import pandas as pd

ISO3 = re.compile(r"[A-Z]{3}")
REGION_CODES = frozenset({"EU27", "EU", "ROW"})
_PARQUET = (".parquet", ".pq")
_HINT_CODE = "use an ISO 3166 alpha-3 code (e.g. USA) or a region code (EU27, EU, ROW)"
#: Above this a tariff is taken for a percentage unless the table declares its unit.
MAX_FRACTION = 5.0


# --- low-level helpers ---------------------------------------------------------------------------
def _label(src: Any) -> str:
    """Display name of a file for messages (as the user gave it)."""
    return os.fspath(src) if isinstance(src, str | os.PathLike) else str(src)


def read_table(src: Any, label: str | None = None, blank_rows: bool = False) -> pd.DataFrame:
    """Read a CSV (all cells as stripped text) or a Parquet file (by suffix) into a DataFrame.

    Blank lines of a CSV are skipped unless ``blank_rows`` (for one-column files, where a blank
    line is a missing value; trailing blank lines are still dropped). Raises :class:`DataError`
    when the file is missing, unreadable or has no data rows.
    """
    import pandas as pd

    label = label or _label(src)
    name = str(getattr(src, "name", src)).lower()
    try:
        if name.endswith(_PARQUET):
            return _nonempty(pd.read_parquet(src), label)
        with src.open("r", encoding="utf-8-sig") if hasattr(src, "open") else open(src, encoding="utf-8-sig") as fh:
            df = pd.read_csv(fh, dtype=str, keep_default_na=False, skip_blank_lines=not blank_rows)
    except FileNotFoundError:
        raise DataError(f"{label}: file not found; check the path") from None
    except ImportError:
        raise DataError(f"{label}: reading Parquet needs pyarrow; pip install 'tradewar[parquet]'") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        msg = " ".join(str(exc).split())
        raise DataError(f"{label}: cannot read the file ({msg}); save it as UTF-8 CSV or Parquet") from None
    df.columns = [str(c).strip() for c in df.columns]
    df = df.apply(lambda s: s.str.strip())
    if blank_rows:
        filled = np.flatnonzero((df.fillna("") != "").any(axis=1).to_numpy())
        df = df.iloc[: filled[-1] + 1 if filled.size else 0]
    if len(df) and _cut_off(src):
        import warnings

        from .._exceptions import TradewarWarning

        warnings.warn(f"{label}: row {len(df)}, the last, has no line end, as in a file cut off while it was written "
                      "or copied; check that its last value is whole", TradewarWarning, stacklevel=2)
    return _nonempty(df, label)


def _cut_off(src: Any) -> bool:
    """True when a CSV file does not end with a line end: its last row may have been cut mid-value
    (``USA,CHN,15`` of ``USA,CHN,150``), which reads as a valid number."""
    if not isinstance(src, str | os.PathLike):
        return False
    try:
        with open(src, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                return False
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) not in (b"\n", b"\r")
    except OSError:
        return False


def _nonempty(df: pd.DataFrame, label: str) -> pd.DataFrame:
    if len(df) == 0:
        raise DataError(f"{label}: no data rows; the file needs a header line and one line per record")
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str], label: str) -> None:
    """Raise :class:`DataError` naming the first of ``columns`` missing from ``df``."""
    columns = list(columns)
    for col in columns:
        if col not in df.columns:
            names = list(map(str, df.columns))
            found = ",".join(names[:8]) + (f",... ({len(names)} columns)" if len(names) > 8 else "")
            raise DataError(
                f"{where(label, col)}missing column (found: {found}); the header must be {','.join(columns)}"
            )


def parse_codes(values: Any, label: str, field: str, regions: Iterable[str] = ()) -> np.ndarray:
    """Country codes as an upper-case string array.

    Codes are case-insensitive (``usa`` is read as ``USA``). Each must be an ISO 3166 alpha-3 code
    known to country_converter, a region code of :data:`REGION_CODES`, or one of ``regions`` (the
    region codes a dataset declares); anything else raises :class:`DataError` naming the row and,
    where one is close, the code meant.

    >>> parse_codes(["usa", " EU27"], "t.csv", "exporter").tolist()
    ['USA', 'EU27']
    """
    import pandas as pd

    s = pd.Series(values, dtype=object)
    # a long table repeats a few hundred codes: each distinct cell is cleaned once (missing cells: -1)
    index, distinct = pd.factorize(s, use_na_sentinel=True)
    clean = np.array([str(v).strip().upper() for v in distinct] + [""], dtype=object)
    text = clean[index]
    allowed = REGION_CODES | {str(r).strip().upper() for r in regions}
    known = iso3_codes() | allowed
    for code in dict.fromkeys(clean[pd.unique(index)]):
        if code not in known:
            row = int(np.flatnonzero(text == code)[0]) + 1
            raw = s.iloc[row - 1]
            if code == "":
                raise DataError(f"{where(label, field, row)}missing country code: {_HINT_CODE}")
            hint = did_you_mean(str(raw), sorted(known)) if ISO3.fullmatch(code) or len(code) > 3 else ""
            raise DataError(f"{where(label, field, row)}unknown country code '{raw}'{hint}: {_HINT_CODE}")
    return text.astype(str)


def parse_numbers(values: Any, label: str, field: str, *, empty: float | None = None) -> np.ndarray:
    """Cells as floats; empty cells become ``empty`` (NaN when None). Non-numbers become NaN."""
    import pandas as pd

    s = pd.Series(values)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(x), np.nan if empty is None else empty, x)
    text = s.astype(object).map(lambda v: "" if v is None else str(v).strip())
    x = pd.to_numeric(text.mask(text == ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if empty is not None:
        x = np.where(text.to_numpy() == "", empty, x)
    return x


def _raw(values: Any, k: int) -> str:
    import pandas as pd

    v = pd.Series(values).iloc[k]
    # a float NaN is a missing value (parquet's null); the text "nan" in a CSV is what the user wrote
    missing = v is None or (isinstance(v, float) and v != v) or str(v).strip() in ("", "None")
    return "an empty cell" if missing else repr(str(v).strip())


def check_flows(x: np.ndarray, raw: Any, label: str, field: Any, rows: Any) -> None:
    """Raise on the first NaN or negative flow; ``rows(k)`` and ``field(k)`` locate element ``k``."""
    flat = x.ravel()
    bad = np.flatnonzero(~np.isfinite(flat) | (flat < 0))
    if bad.size:
        k = int(bad[0])
        f, r = field(k), rows(k)
        if np.isfinite(flat[k]):
            msg = f"negative flow {flat[k]:g}; flows must be >= 0 (write 0 for no trade)"
        else:
            msg = f"flow is missing or not a number ({_raw(np.ravel(raw), k)}); write a number >= 0 (0 for no trade)"
        raise DataError(f"{where(label, f, r)}{msg}")


def check_tariffs(t: np.ndarray, raw: Any, label: str, field: Any, rows: Any, *, percent_guard: bool = False) -> None:
    """Raise on the first NaN tariff or one at or below -100% (tariffs are fractions, 0.1 = 10%).

    ``percent_guard``: also refuse a tariff above 5 (500%) as a likely percentage, for tables that
    have no ``unit`` column to declare one.
    """
    flat = t.ravel()
    if percent_guard:
        big = np.flatnonzero(np.isfinite(flat) & (flat > MAX_FRACTION))
        if big.size:
            k = int(big[0])
            raise DataError(
                f"{where(label, field(k), rows(k))}tariff {flat[k]:g} looks like a percentage: tariffs are fractions, "
                f"so write {flat[k] / 100:g} for {flat[k]:g}%"
            )
    bad = np.flatnonzero(~np.isfinite(flat) | (flat <= -1))
    if bad.size:
        k = int(bad[0])
        f, r = field(k), rows(k)
        if np.isfinite(flat[k]):
            msg = f"tariff {flat[k]:g} is at or below -100%; tariffs are fractions above -1 (0.1 = 10%)"
        else:
            msg = f"tariff is missing or not a number ({_raw(np.ravel(raw), k)}); write a fraction (0.1 = 10%)"
        raise DataError(f"{where(label, f, r)}{msg}")


def check_gdp(g: np.ndarray, raw: Any, label: str, field: str, codes: Iterable[str]) -> None:
    """Raise on the first missing, non-numeric or non-positive GDP, naming the row and country."""
    codes = list(codes)
    bad = np.flatnonzero(~np.isfinite(g) | (g <= 0))
    if bad.size:
        k = int(bad[0])
        if np.isfinite(g[k]):
            msg = f"GDP of {codes[k]} is {g[k]:g}; GDP must be positive"
        else:
            msg = f"missing GDP for {codes[k]} ({_raw(raw, k)}); every country with trade flows needs a GDP"
        raise DataError(f"{where(label, field, k + 1)}{msg}")


def check_unique(codes: np.ndarray, label: str, field: str) -> None:
    """Raise when a code appears twice in a one-record-per-country table."""
    import pandas as pd

    dup = pd.Series(codes).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero(codes == codes[k])[0])
        raise DataError(
            f"{where(label, field, k + 1)}duplicate row for {codes[k]} (first at row {first + 1}); keep one row per country"
        )


def first_appearance(*columns: np.ndarray) -> list[str]:
    """Codes in the order they first appear reading the rows left to right.

    >>> first_appearance(np.array(["B", "A"]), np.array(["C", "B"]))
    ['B', 'C', 'A']
    """
    import pandas as pd

    return [str(c) for c in pd.unique(np.column_stack(columns).ravel())]
