"""The documentation: a result's notebook view, and the site's configuration (the site itself is built,
tutorials executed, by ``python -m mkdocs build --strict`` in ``.ci/run``)."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import yaml

from tradewar import run_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_result_repr_html_is_the_country_table(world2023):
    r = run_scenario("liberation-day", world=world2023)
    page = r._repr_html_()
    assert page.startswith(f"<div><h4>{html.escape(r.meta['title'])}</h4>")
    assert "converged to tolerance" in page and f"{r.equilibrium.steps} steps" in page
    header = re.findall(r"<th>(\w+)</th>", page.split("</thead>")[0])
    assert header[:2] == ["name", "welfare_pct"]
    rows = {m[0]: m[1:] for m in re.findall(r"<tr>\s*<th>(\w+)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page)}
    assert list(rows) == list(world2023.codes)
    # Japan's welfare as the result holds it, printed at three significant digits
    jpn = float(r.countries("JPN")["welfare_pct"].iloc[0])
    assert rows["JPN"] == (r.countries("JPN")["name"].iloc[0], f"{jpn:.3g}")


def _nav_files(nav) -> list[str]:
    out: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        out.extend(_nav_files(value) if isinstance(value, list) else [value])
    return out


def test_site_config_lists_every_page_and_stays_offline():
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = _nav_files(cfg["nav"])
    docs = ROOT / cfg.get("docs_dir", "docs")
    assert all((docs / p).is_file() for p in pages), [p for p in pages if not (docs / p).is_file()]
    on_disk = sorted(str(p.relative_to(docs)) for p in docs.rglob("*.md"))
    assert sorted(pages) == on_disk
    # offline: no web fonts, no scripts or styles from elsewhere
    assert cfg["theme"]["font"] is False
    assert not [u for u in cfg.get("extra_javascript", []) + cfg.get("extra_css", []) if "://" in str(u)]
    # every plugin the site uses is installed by the docs extra
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["docs"]
    names = {re.split(r"[<>=\[ ]", req)[0].lower() for req in extra}
    used = {next(iter(p)) if isinstance(p, dict) else p for p in cfg["plugins"]}
    dists = {"search": "mkdocs", "mkdocstrings": "mkdocstrings", "markdown-exec": "markdown-exec"}
    assert {dists[p] for p in used} <= names


def test_architecture_page_names_files_that_exist():
    """The files the architecture page tells a newcomer to start from are there (a move must update it)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`(src/tradewar/[\w/.-]+\.(?:py|js|html|toml))`", text))
    assert len(paths) >= 15
    assert sorted(p for p in paths if not (ROOT / p).is_file()) == []
    where = text[text.index("## Where new things go"):]
    for thing in ("a model family", "a strategic command", "a data reader", "a report section",
                  "a section of the web page"):
        assert f"| {thing} |" in where


def test_every_code_fence_is_closed():
    """An unclosed fence turns the rest of a page into text, and its code is never executed."""
    for page in (ROOT / "docs").rglob("*.md"):
        fences = [ln for ln in page.read_text(encoding="utf-8").splitlines() if ln.lstrip().startswith("```")]
        assert len(fences) % 2 == 0, page.name


def test_readme_opens_with_its_title_and_run_is_not_said_to_print_every_country():
    """The README starts with its title, not a bare code block; ``run`` shows the scenario's countries
    (``--all`` every one), and no page says it prints every country."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.splitlines()[0] == "# tradewar"
    for page in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        for line in page.read_text(encoding="utf-8").splitlines():
            if "tradewar run " in line:
                assert "every country" not in line or "--all" in line, (page.name, line)


def test_kappa_has_one_name_everywhere():
    """κ is the labour-supply elasticity on the page, in the docs and the README; "wage rigidity" is gone."""
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "src" / "tradewar").rglob("*.py"),
             *(ROOT / "src" / "tradewar" / "web" / "static").iterdir()]
    said = [p.name for p in pages if p.is_file() and "wage rigidity" in p.read_text(encoding="utf-8", errors="replace").lower()]
    assert said == []
    page = (ROOT / "src" / "tradewar" / "web" / "static" / "index.html").read_text(encoding="utf-8")
    assert "Labour-supply elasticity κ" in page
    assert "labour-supply elasticity `kappa`" in (ROOT / "docs" / "models.md").read_text(encoding="utf-8")
