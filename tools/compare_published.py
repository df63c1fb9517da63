"""Our figures for the 2025 events beside published estimates, as the Markdown table of the README.

    python tools/compare_published.py                    # print the table
    python tools/compare_published.py --readme README.md # replace the table between its markers

Our figures are solved now from the presets (tradewar.report._compare); the published ones are the
package's ``report/published_2025.csv`` with their citations. The first line says which commit of the
package computed them (``git rev-parse`` of the source tree, or ``--label``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import warnings
from pathlib import Path

BEGIN, END = "<!-- compare-published:begin -->", "<!-- compare-published:end -->"


def _label() -> str:
    here = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src"], cwd=here).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return "an unversioned source tree"
    return f"commit {sha}" + (" with uncommitted changes" if dirty else "")


def table(label: str | None = None) -> str:
    from tradewar.report import _compare

    with warnings.catch_warnings():  # data warnings are the data README's business, not this table's
        warnings.simplefilter("ignore")
        results = _compare.solve_events()
    df = _compare.comparison(results)
    one = results[_compare.EVENTS["liberation-day"][1]]
    sec = results[_compare.EVENTS["liberation-day"][2]]
    io = "with" if not sec.meta.get("no_intermediates", True) else "without"
    head = (f"Computed on {label or _label()} ({dt.date.today().isoformat()}) with "
            "`python tools/compare_published.py`. Ours: percent changes from the baseline; one-sector = "
            f"ILMS family on `world2023` (kappa = {one.model_params.get('kappa')}), sectoral = Caliendo–Parro "
            f"{io} input-output links on `world2022s`; trade shares in percent.")
    return head + "\n\n" + _compare.markdown(df)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", type=Path, help="replace the table between the markers of this file")
    ap.add_argument("--label", help="what computed the figures (default: the git commit of the source tree)")
    a = ap.parse_args(argv)
    md = table(a.label)
    if a.readme is None:
        print(md)
        return 0
    text = a.readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"error: {a.readme}: markers {BEGIN} ... {END} not found", file=sys.stderr)
        return 2
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    tmp = a.readme.with_name(f".{a.readme.name}.tmp")
    tmp.write_text(pre + BEGIN + "\n" + md + "\n" + END + post, encoding="utf-8")
    tmp.replace(a.readme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
