"""Bad command-line input: every case is one line on stderr, exit 2 (3 for a solver failure), no file.

Each case runs in-process with Typer's CliRunner in an empty folder and checks the exit status,
that stderr holds exactly one line and no traceback, and that the folder is as it was (no output,
no temporary file). The output paths are checked before any work: the cases that name a bad output
path would otherwise run a full solve first, and the runner's timing shows they do not.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewar.cli import app

runner = CliRunner()

SECTORAL_NOTE = "needs a sectoral dataset"


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = os.lstat(p)
            out[str(p.relative_to(folder))] = (st.st_mode, st.st_size)
    return out


def _prepare(tmp: Path, setup: str | None) -> None:
    """Build what a case needs in ``tmp`` (files it should not touch)."""
    if setup == "latin1":
        (tmp / "latin1.toml").write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    elif setup == "file":
        (tmp / "file.txt").write_text("a file\n")
    elif setup == "folder":
        (tmp / "folder").mkdir()
    elif setup == "link":
        (tmp / "target.json").write_text("keep me\n")
        (tmp / "link.json").symlink_to(tmp / "target.json")
    elif setup == "small":
        _small_scenario(tmp)
    elif setup in FILES:
        for name, text in FILES[setup].items():
            (tmp / name).parent.mkdir(exist_ok=True)
            (tmp / name).write_text(text)


_LONG = "exporter,importer,value\nUSA,CHN,100\nCHN,USA,400\nUSA,JPN,80\nJPN,USA,150\nCHN,JPN,160\nJPN,CHN,150\n"
_LAYER = '[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = 0.2\n'

#: Files a case reads (setup name -> {file name: text}); a case that silently misread them would
#: have produced numbers.
FILES = {
    "mine": {"mine.toml": _LAYER},
    "long": {"t.csv": _LONG, "g.csv": "country,gdp\nUSA,27000\nCHN,18000\nJPN,4200\n",
             "long.toml": '[data]\nsource = "t.csv"\ngdp = "g.csv"\n' + _LAYER},
    "long-folder": {"long/t.csv": _LONG, "long/g.csv": "country,gdp\nUSA,27000\nCHN,18000\nJPN,4200\n"},
    "empty": {"empty.toml": ""},
    "nowhere": {"nowhere.toml": '[data]\nsource = "nowhere"\n' + _LAYER},
    "unknown-schedule": {"sched.toml": _LAYER + '[[tariffs]]\ntype = "schedule"\nname = "nope"\nimporter = "USA"\n'},
    "cp-long": {"t.csv": _LONG, "g.csv": "country,gdp\nUSA,27000\nCHN,18000\nJPN,4200\n",
                "cp.toml": '[data]\nsource = "t.csv"\ngdp = "g.csv"\n[model]\nfamily = "caliendo_parro"\n' + _LAYER},
    "rate-true": {"bool.toml": '[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = true\n'},
    "no-importer": {"noimp.toml": '[[tariffs]]\ntype = "uniform"\nrate = 0.2\n'},
    "no-sectors": {"nosec.toml": _LAYER + "sectors = []\n"},
    "self-retaliation": {"self.toml": _LAYER + '[retaliation]\nrule = "mirror"\nretaliators = ["USA"]\n'},
    "zero-draws": {"zero.toml": _LAYER + "[uncertainty]\ndraws = 0\n"},
    "frac-draws": {"frac.toml": _LAYER + "[uncertainty]\ndraws = 2.5\n"},
    "ossa-world2022s": {"os.toml": '[data]\nsource = "world2022s"\n[model]\nfamily = "ossa"\n' + _LAYER},
    "nu-length": {"nu.toml": "[model]\nnu = [0.1, 0.2]\n" + _LAYER},
    "mean-nan": {"nan.toml": _LAYER + '[uncertainty]\ndraws = 10\n[uncertainty.params.eps]\ndist = "normal"\n'
                             "mean = nan\nsd = 1.0\n"},
    "rate-inf": {"inf.toml": '[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = inf\nunit = "fraction"\n'},
    "one-diagonal": {"d.csv": _LONG + "USA,USA,1000\n", "g.csv": "country,gdp\nUSA,27000\nCHN,18000\nJPN,4200\n"},
    "percent-194": {"b194/country_labels.csv": "iso3,iso_code,CountryName\nUSA,1,United States\nCHN,2,China\n"
                                               "JPN,3,Japan\n",
                    "b194/trade_cepii.csv": "export_ij1,export_ij2,export_ij3\n,100,80\n400,,160\n150,150,\n",
                    "b194/gdp.csv": "gdp\n27e12\n18e12\n4.2e12\n",
                    "b194/tariffs.csv": "applied_tariff\n0\n25\n0.24\n"},
    "corrupt-store": {"state/tradewar.sqlite": "not a database, a text file where the job store should be\n" * 4},
}


def _small_scenario(tmp: Path) -> Path:
    """world2023 aggregated to three regions (USA, CHN, rest), no tariffs: strategic commands in seconds."""
    from tradewar.data import load_world

    codes = load_world("world2023").codes
    agg = ", ".join(f'{c} = "{c if c in ("USA", "CHN") else "OTH"}"' for c in codes)
    p = tmp / "small.toml"
    p.write_text(f'name = "small"\n[data]\nsource = "world2023"\naggregate = {{ {agg} }}\n')
    return p


#: The bloc presets shipped with the package (a command must never write over one).
_BLOCS = Path(__file__).resolve().parents[1] / "src" / "tradewar" / "presets" / "blocs"

#: (id, arguments, files to prepare, expected exit status, a word the error line must contain)
CASES = [
    # scenario files and presets
    ("non-utf8-scenario", ["run", "latin1.toml"], "latin1", 2, "latin1.toml: line 1: not UTF-8"),
    ("scenario-is-folder", ["run", "folder"], "folder", 2, "folder"),
    ("unknown-preset", ["run", "no-such-preset"], None, 2, "unknown scenario"),
    ("misspelt-alias", ["run", "liberaton-day"], None, 2, "did you mean liberation-day?"),
    ("misspelt-bloc", ["bloc", "us-bloc-chna"], None, 2, "did you mean us-bloc-china?"),
    ("unknown-schedule", ["run", "sched.toml"], "unknown-schedule", 2,
     "sched.toml: key 'tariffs.1', line 5: unknown tariff schedule 'nope'"),
    ("uncertainty-countries-typo", ["uncertainty", "liberation-day", "--countries", "JAP", "--draws", "8",
                                    "--no-flip", "--scheduler", "none"], None, 2, "'JAP' is not in the scenario's world; did you mean JPN?"),
    ("sweep-grid-typo", ["sweep", "liberation-day", "--grid", "JAP.tariff_on.CHN=0:0.5:3"], None, 2,
     "country 'JAP' is not in the scenario's world; did you mean JPN?"),
    ("deficits-typo", ["run", "liberation-day", "--deficits", "fix"], None, 2,
     "option '--deficits': 'fix' is not one of fixed, zero, gdp_share"),
    ("talks-misspelt-threat", ["talks", "liberation-day", "--threat", "nsh"], None, 2,
     "option '--threat': 'nsh' is not current, nash, a preset or a scenario file; did you mean nash?"),
    ("source-not-found", ["run", "nowhere.toml"], "nowhere", 2,
     "nowhere.toml: key 'data.source', line 2: data source 'nowhere' not found"),
    ("caliendo-parro-on-one-sector", ["run", "cp.toml"], "cp-long", 2, "model 'caliendo_parro' needs sectoral data"),
    ("sectoral-preset-without-data", ["run", "us-transport-25"], None, 2, SECTORAL_NOTE),
    ("sectoral-preset-on-one-sector-data", ["run", "2025-04-03-us-car-tariffs", "--data", "t.csv", "--gdp", "g.csv"],
     "cp-long", 2, "model 'caliendo_parro' needs sectoral data"),
    ("sectoral-preset-without-data-optimal", ["optimal", "2025-04-03-us-car-tariffs"], None, 2, SECTORAL_NOTE),
    # output paths, checked before the solve
    ("json-is-folder", ["run", "liberation-day", "--json", "folder"], "folder", 2, "folder"),
    ("json-empty", ["run", "liberation-day", "--json", ""], None, 2, "folder"),
    ("json-inside-file", ["run", "liberation-day", "--json", "file.txt/out.json"], "file", 2, "not a folder"),
    ("json-under-proc", ["run", "liberation-day", "--json", "/proc/tradewar-out.json"], None, 2, "/proc"),
    ("json-device", ["run", "liberation-day", "--json", "/dev/full"], None, 2, "not a regular file"),
    ("json-symlink", ["run", "liberation-day", "--json", "link.json"], "link", 2, "symbolic link"),
    ("json-and-csv-same-file", ["run", "liberation-day", "--json", "a.out", "--csv", "a.out"], None, 2, "same file"),
    ("csv-is-folder", ["run", "liberation-day", "--csv", "folder"], "folder", 2, "folder"),
    ("report-out-folder", ["report", "JPN", "-o", "folder"], "folder", 2, "folder"),
    ("report-out-device", ["report", "JPN", "--out", "/dev/null"], None, 2, "not a regular file"),
    ("report-png-is-file", ["report", "JPN", "--png", "file.txt"], "file", 2, "not a folder"),
    ("nash-json-folder", ["nash", "liberation-day", "--json", "folder"], "folder", 2, "folder"),
    ("optimal-json-device", ["optimal", "liberation-day", "--json", "/dev/full"], None, 2, "regular file"),
    ("talks-json-inside-file", ["talks", "liberation-day", "--json", "file.txt/x.json"], "file", 2, "not a folder"),
    ("bloc-json-folder", ["bloc", "us-bloc-china", "--json", "folder"], "folder", 2, "folder"),
    ("replicate-json-folder", ["replicate", "ossa2014", "--data", "folder", "--json", "folder"], "folder", 2, "folder"),
    ("bench-json-device", ["bench", "--json", "/dev/full"], None, 2, "regular file"),
    # numeric options refused by the parser
    ("nash-negative-tol", ["nash", "liberation-day", "--tol", "-1"], None, 2, "--tol"),
    ("nash-zero-tol", ["nash", "liberation-day", "--tol", "0"], None, 2, "--tol"),
    ("nash-nan-tol", ["nash", "liberation-day", "--tol", "nan"], None, 2, "--tol"),
    ("optimal-nan-lower", ["optimal", "liberation-day", "--lower", "nan"], None, 2, "--lower"),
    ("talks-nan-weight", ["talks", "liberation-day", "--weight", "nan"], None, 2, "--weight"),
    ("nash-negative-rounds", ["nash", "liberation-day", "--max-rounds", "-1"], None, 2, "--max-rounds"),
    ("nash-lower-above-one", ["nash", "liberation-day", "--lower", "2"], None, 2, "--lower"),
    ("nash-lower-below-minus-one", ["nash", "liberation-day", "--lower", "-3"], None, 2, "--lower"),
    ("nash-bad-instrument", ["nash", "liberation-day", "--instrument", "tariffs"], None, 2, "--instrument"),
    ("nash-one-player", ["nash", "liberation-day", "--players", "USA"], None, 2, "--players"),
    ("nash-same-player-twice", ["nash", "liberation-day", "--players", "USA,USA"], None, 2, "--players"),
    ("optimal-lower-2", ["optimal", "liberation-day", "--lower", "2"], None, 2, "--lower"),
    ("talks-weight-one", ["talks", "liberation-day", "--weight", "1"], None, 2, "--weight"),
    ("talks-weight-negative", ["talks", "liberation-day", "--weight", "-0.2"], None, 2, "--weight"),
    ("talks-lower-minus-one", ["talks", "liberation-day", "--lower", "-1"], None, 2, "--lower"),
    ("talks-bad-instruments", ["talks", "liberation-day", "--instruments", "partner"], None, 2, "--instruments"),
    ("talks-same-party", ["talks", "liberation-day", "--parties", "USA,USA"], None, 2, "--parties"),
    ("talks-three-parties", ["talks", "liberation-day", "--parties", "USA,JPN,CHN"], None, 2, "--parties"),
    ("data-info-top-negative", ["data", "info", "--top", "-3"], None, 2, "--top"),
    ("data-info-top-zero", ["data", "info", "--top", "0"], None, 2, "--top"),
    ("bench-zero-repeats", ["bench", "--repeats", "0"], None, 2, "--repeats"),
    ("int-option-text", ["bench", "--repeats", "many"], None, 2, "--repeats"),
    # usage
    ("unknown-command", ["nosuchcommand"], None, 2, "No such command"),
    ("unknown-option", ["run", "liberation-day", "--bogus"], None, 2, "--bogus"),
    ("missing-argument", ["run"], None, 2, "Missing argument"),
    ("replicate-unknown-study", ["replicate", "smith1776", "--data", "folder"], "folder", 2, "unknown study"),
    ("replicate-data-not-folder", ["replicate", "ossa2014", "--data", "file.txt"], "file", 2, "folder"),
    ("unknown-bloc", ["bloc", "no-such-bloc"], None, 2, "no-such-bloc"),
    # an output is never an input of the same command
    ("json-is-the-scenario", ["run", "mine.toml", "--json", "mine.toml"], "mine", 2, "the scenario file"),
    ("csv-is-the-gdp-table", ["run", "long.toml", "--csv", "g.csv"], "long", 2, "the gdp table"),
    ("json-is-the-data", ["run", "long.toml", "--json", "t.csv"], "long", 2, "the data source"),
    ("optimal-json-is-the-scenario", ["optimal", "mine.toml", "--country", "USA", "--json", "mine.toml"], "mine", 2,
     "the scenario file"),
    ("sweep-html-is-the-scenario", ["sweep", "mine.toml", "--grid", "eps=3,4", "--html", "mine.toml",
                                    "--scheduler", "none"], "mine", 2, "the scenario file"),
    ("bloc-json-is-the-preset-file", ["bloc", "us-bloc-china", "--json", str(_BLOCS / "us-bloc-china.toml")], None, 2,
     "is the bloc file"),
    ("bloc-json-is-its-scenario", ["bloc", "us-bloc-china", "--json", str(_BLOCS.parent / "bloc-japan.toml")], None, 2,
     "is the scenario file"),
    ("talks-json-is-the-threat", ["talks", "liberation-day", "--threat", "mine.toml", "--json", "mine.toml"], "mine",
     2, "the scenario file"),
    ("report-out-is-a-step", ["report", "JPN", "--scenarios", "mine.toml", "-o", "mine.toml"], "mine", 2,
     "the scenario file"),
    ("report-out-in-the-data", ["report", "JPN", "--data", "long", "-o", "long/t.csv"], "long-folder", 2,
     "the --data source"),
    ("json-trailing-slash", ["run", "liberation-day", "--json", "out/"], None, 2, "names a folder"),
    ("csv-trailing-slash-equals", ["run", "liberation-day", "--csv=out/"], None, 2, "names a folder"),
    ("report-out-trailing-slash", ["report", "JPN", "-o", "rep/"], None, 2, "names a folder"),
    # values that used to be read as something else
    ("empty-scenario", ["run", "empty.toml"], "empty", 2, "is empty"),
    ("rate-is-boolean", ["run", "bool.toml"], "rate-true", 2, "valid number"),
    ("layer-without-importer", ["run", "noimp.toml"], "no-importer", 2, "needs 'importer'"),
    ("layer-with-no-sectors", ["run", "nosec.toml"], "no-sectors", 2, "'sectors' is empty"),
    ("retaliator-not-hit", ["run", "self.toml"], "self-retaliation", 2, "nothing to answer"),
    ("zero-draws", ["uncertainty", "zero.toml"], "zero-draws", 2, "uncertainty.draws"),
    ("fractional-draws", ["uncertainty", "frac.toml"], "frac-draws", 2, "uncertainty.draws"),
    # Ossa takes world2022s's trade elasticities (sigma = theta + 1) and says what blocks it: an empty industry
    ("ossa-on-world2022s", ["run", "os.toml"], "ossa-world2022s", 2, "CHL, sector Motor vehicles: zero sales"),
    ("nu-wrong-length", ["run", "nu.toml"], "nu-length", 2, "2 profit shares for a world of 32"),
    ("distribution-mean-nan", ["uncertainty", "nan.toml", "--scheduler", "none"], "mean-nan", 2, "finite number"),
    ("rate-infinite", ["run", "inf.toml"], "rate-inf", 2, "finite number"),
    ("one-diagonal-row", ["data", "info", "d.csv", "--gdp", "g.csv"], "one-diagonal", 2, "domestic sales"),
    ("percent-in-194-tariffs", ["data", "info", "b194"], "percent-194", 2, "looks like a percentage"),
    ("sweep-grid-percent", ["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0,25", "--scheduler", "none"],
     None, 2, "looks like a percentage"),
    # work that cannot fit is refused before it starts, with its size
    ("sweep-too-many-points", ["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0:1:100000000",
                               "--scheduler", "none"], None, 2, "points a sweep may have"),
    ("sweep-grid-product", ["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0:1:10000", "--grid",
                            "eps=2:8:1000", "--scheduler", "none"], None, 2, "10,000,000 grid points"),
    ("uncertainty-too-many-draws", ["uncertainty", "liberation-day", "--draws", "100000000", "--scheduler", "none"],
     None, 2, "100,000,000 draws"),
    ("uncertainty-huge-sensitivity", ["uncertainty", "liberation-day", "--draws", "10", "--sensitivity",
                                      "100000000", "--scheduler", "none"], None, 2, "Sobol samples"),
    ("too-many-local-workers", ["sweep", "liberation-day", "--grid", "eps=3,4", "--workers", "100000"], None, 2,
     "--workers 100000"),
    # a server state folder whose job store is damaged
    ("corrupt-job-store", ["serve", "--state", "state", "--no-warm", "--port", "18999"], "corrupt-store", 2,
     "state/tradewar.sqlite: not a usable job store"),
    # a solver failure: a Nash war allowed no rounds has not converged
    ("nash-not-converged", ["nash", "small.toml", "--max-rounds", "0", "--json", "nash.json"], "small", 3,
     "no Nash equilibrium"),
]


@pytest.mark.parametrize(("args", "setup", "code", "word"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line(tmp_path, monkeypatch, args, setup, code, word):
    monkeypatch.chdir(tmp_path)
    _prepare(tmp_path, setup)
    before = _snapshot(tmp_path)
    if code == 2 and ("json" in " ".join(args) or args[0] == "report") and "small" != setup:
        # a bad output path is refused before any work: building the model or running a study fails the test
        def no_work(*args, **kwargs):
            raise AssertionError("the work started before the output path was checked")

        # tradewar._run binds prepare as it is imported: patched there first, so that a first import here
        # binds the real function, which the patch of tradewar.scenario alone would replace for good
        for target in ("tradewar._run.prepare", "tradewar.scenario.prepare", "tradewar.bench.bench_ustr",
                       "tradewar.replicate.ossa2014.run", "tradewar.report.build_report"):
            monkeypatch.setattr(target, no_work)
    res = runner.invoke(app, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == code, (res.exit_code, res.stdout, res.stderr)
    # data warnings (one line each, e.g. the trade imbalances of world2023) may come first
    lines = [ln for ln in res.stderr.splitlines() if not ln.startswith("warning: ")]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error:") and word in lines[0], lines[0]
    assert "Traceback" not in res.stdout + res.stderr
    assert _snapshot(tmp_path) == before, "a failed command changed the folder"
    if setup == "link":
        assert (tmp_path / "target.json").read_text() == "keep me\n"


def test_a_row_cut_mid_number_is_named(tmp_path, monkeypatch):
    """``JPN,CHN,15`` at the end of a file without a line end may be ``150`` cut off in a copy: the
    command still reads it (a hand-written file may lack the last line end) and says which row to check."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.csv").write_text(FILES["long"]["g.csv"])
    (tmp_path / "cut.csv").write_text(_LONG[:-2])  # the last flow, 150, cut to 15
    res = runner.invoke(app, ["data", "info", "cut.csv", "--gdp", "g.csv"])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if "cut.csv" in ln]
    assert warned == ["warning: cut.csv: row 6, the last, has no line end, as in a file cut off while it was "
                      "written or copied; check that its last value is whole"]
    (tmp_path / "whole.csv").write_text(_LONG)
    res = runner.invoke(app, ["data", "info", "whole.csv", "--gdp", "g.csv"])
    assert res.exit_code == 0 and "line end" not in res.stderr


# --- outputs ---------------------------------------------------------------------------------------
def test_json_and_csv_are_written_together_with_the_umask(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o027)
    try:
        res = runner.invoke(app, ["run", "liberation-day", "--all", "--json", "r.json", "--csv", "r.csv"])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert sorted(os.listdir(tmp_path)) == ["r.csv", "r.json"]  # no temporary file left
    for name in ("r.json", "r.csv"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o640
    doc = json.loads((tmp_path / "r.json").read_text(), parse_constant=lambda c: pytest.fail(f"JSON holds {c}"))
    assert doc["converged"] is True
    # every parameter of the model is recorded, with the values calibration chose
    assert doc["params"]["eps"] == 4.0 and doc["params"]["kappa"] == 0.5
    assert doc["params"]["revenue_use"] == "income_tax" and doc["params"]["psi"] == pytest.approx(0.67 / 4.0)
    # the change in the trade balance as a share of GDP (pp) sits next to the percent change of the deficit
    khm = doc["countries"]["KHM"]
    assert abs(khm["balance_gdp_change_pp"]) < 10 < abs(khm["deficit_change_pct"])


def test_a_failing_group_write_leaves_no_file(tmp_path):
    from tradewar._io import atomic_write_all

    def boom(fh):
        fh.write("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write_all([(tmp_path / "a.json", lambda fh: fh.write("{}"), "w"), (tmp_path / "b.csv", boom, "w")])
    assert os.listdir(tmp_path) == []


def test_replacing_an_existing_file_keeps_its_mode(tmp_path):
    from tradewar._io import atomic_write

    p = tmp_path / "out.json"
    p.write_text("old")
    p.chmod(0o604)
    atomic_write(p, lambda fh: fh.write("new"))
    assert p.read_text() == "new" and stat.S_IMODE(os.stat(p).st_mode) == 0o604


def test_json_never_holds_nan():
    from tradewar._io import json_safe, json_writer

    doc = {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}}
    assert json_safe(doc) == {"a": None, "b": [1.0, None], "c": {"d": None}}
    import io

    buf = io.StringIO()
    json_writer(doc)(buf)
    assert "NaN" not in buf.getvalue() and "Infinity" not in buf.getvalue()


# --- polish ----------------------------------------------------------------------------------------
def test_version():
    from tradewar import __version__

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.strip() == f"tradewar {__version__}"


COMMANDS = [["run"], ["scenarios"], ["replicate"], ["bench"], ["optimal"], ["nash"], ["talks"], ["bloc"], ["report"],
            ["timeline"], ["data"], ["data", "info"], []]


@pytest.mark.parametrize("cmd", COMMANDS, ids=[" ".join(c) or "tradewar" for c in COMMANDS])
def test_dash_h_is_help_and_flags_show_no_type(cmd):
    res = runner.invoke(app, [*cmd, "-h"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout and "--help" in res.stdout
    assert "<bool>" not in res.stdout  # flags take no value


def test_report_o_is_short_for_out():
    res = runner.invoke(app, ["report", "-h"], env={"COLUMNS": "200"})
    assert "-o" in res.stdout


def test_run_says_how_many_countries_it_hides():
    res = runner.invoke(app, ["run", "liberation-day"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "of 32 countries not shown; --all shows every country" in res.stdout
    assert "balance/GDP" in res.stdout and "Δpp" in res.stdout and "deficit %" not in res.stdout
    res = runner.invoke(app, ["run", "liberation-day", "--all"], env={"COLUMNS": "200"})
    assert "not shown" not in res.stdout


def test_scenarios_lists_aliases_blocs_and_presets_that_need_data():
    res = runner.invoke(app, ["scenarios"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "2025-04-02-liberation-day" in res.stdout and "(also liberation-day)" in res.stdout
    assert "us-bloc-china" in res.stdout and "Bloc presets" in res.stdout
    assert res.stdout.count("needs --data") >= 4


def test_preset_names_are_case_insensitive():
    from tradewar.scenario import load_scenario

    assert load_scenario("Liberation-Day") == load_scenario("2025-04-02-LIBERATION-DAY") == load_scenario("liberation-day")


def test_old_preset_names_are_aliases():
    from tradewar.scenario import PRESET_ALIASES, list_presets, load_scenario, preset_path

    names = {s.name for s in list_presets()}
    for alias, target in PRESET_ALIASES.items():
        assert alias not in names and target in names
        assert load_scenario(alias) == load_scenario(target)
        assert preset_path(alias) == preset_path(target)


def test_tables_print_na_not_nan():
    import pandas as pd

    from tradewar.cli import _fmt, frame_table

    assert _fmt(float("nan")) == "n/a" and _fmt(float("inf")) == "n/a" and _fmt(1234.5) == "1,234.50"
    from rich.console import Console

    con = Console(width=120, record=True)
    con.print(frame_table(pd.DataFrame({"x": [1.0, float("nan")]}, index=["A", "B"])))
    text = con.export_text()
    assert "n/a" in text and "nan" not in text.lower().replace("n/a", "")


# --- exit codes of main() --------------------------------------------------------------------------
BUG = """
import sys
import tradewar.cli as cli

def broken(*args, **kwargs):
    raise KeyError("a bug")

cli.app = broken
sys.argv = ["tradewar", "run", "x"]
cli.main()
"""


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "TRADEWAR_DEBUG"])
def test_an_internal_error_is_one_line_unless_debugging(tmp_path, debug):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TRADEWAR_DEBUG"} | ({"TRADEWAR_DEBUG": "1"} if debug else {})
    res = subprocess.run([sys.executable, "-c", BUG], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    if debug:
        assert "Traceback" in res.stderr and "KeyError: 'a bug'" in res.stderr
    else:
        assert res.stderr.splitlines() == [
            "internal error: KeyError: 'a bug' (a bug in tradewar; rerun with TRADEWAR_DEBUG=1 for the traceback and "
            "report it)"
        ]


def test_usage_errors_of_the_console_script_are_one_line(tmp_path):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "tradewar", "nash", "liberation-day", "--tol", "-1"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        "error: Invalid value for '--tol': must be a number above 0, got -1 (see 'tradewar nash -h')"]


@pytest.mark.parametrize("args,option", [
    (["optimal", "liberation-day", "--country", "XXX"], "--country"),
    (["nash", "liberation-day", "--players", "USA,XXX"], "--players"),
    (["nash", "liberation-day", "--players", "USA"], "--players"),
    (["talks", "liberation-day", "--parties", "USA"], "--parties"),
    (["talks", "liberation-day", "--parties", "USA,XXX"], "--parties"),
])
def test_strategic_options_are_checked_before_the_calibration(monkeypatch, args, option):
    from tradewar.models import _registry

    def calibrated(*a, **k):
        raise AssertionError("calibrated before the options were checked")

    monkeypatch.setattr(_registry, "build_model", calibrated)
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: option '{option}'") and r.output.count("\n") == 1, r.output


def test_a_failed_solve_names_its_scalar_diagnostics_briefly(monkeypatch):
    from tradewar.cli._app import _brief

    diag = {"steps": 60, "max_residual": 0.0123, "trace": [1.0, 2.0], "certificate": {"status": "diverged"}}
    assert _brief(diag) == " [steps 60, max_residual 0.0123]"
    assert _brief({}) == "" and _brief(None) == ""
    monkeypatch.setenv("TRADEWAR_DEBUG", "1")
    assert '"trace": [1.0, 2.0]' in _brief(diag)
