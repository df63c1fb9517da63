"""Bad input, at every door: scenario files, model parameters, data files, library calls, the command line.

Each case asserts the error class and that the one-line message names what is wrong and where
(file, key, line or row, country). Nothing here solves a model except where a result is the point.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import tradewar as tw
from tradewar import CalibrationError, DataError, ScenarioError, TradewarError, TradewarWarning
from tradewar.cli import app
from tradewar.data import World, load_world, read_long
from tradewar.models._params import FAMILY_SCHEMAS, validate_params
from tradewar.models._registry import build_model
from tradewar.policy import Layer, apply_layers
from tradewar.policy._shock import check_shock
from tradewar.scenario import check_codes, load_scenario, prepare

runner = CliRunner()

BASE = """name = "t"

[model]
family = "ilms"
eps = 4

[[tariffs]]
type = "uniform"
importer = "USA"
rate = 0.1

[[tariffs]]
type = "pair"
importer = "USA"
exporter = "CHN"
rate = 1.45

[output]
countries = ["JPN", "USA"]
"""


def _scenario(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _load_error(tmp_path: Path, text: str) -> str:
    p = _scenario(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg
    return msg


@pytest.fixture(scope="module")
def w3() -> World:
    return World(
        codes=("USA", "CHN", "JPN"),
        trade=np.array([[50.0, 4.0, 2.0], [9.0, 60.0, 3.0], [3.0, 2.0, 30.0]]),
        gdp=np.array([56.0, 72.0, 35.0]),
    )


def _one_line_exit(res, code: int = 2) -> str:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, res.output
    return lines[0]


# --- 1. own sales are never taxed ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "edit, key, line",
    [
        (('exporter = "CHN"', 'exporter = "usa"'), "tariffs.1.exporter", 15),
        (('exporter = "CHN"\nrate = 1.45', 'rates = { CHN = 0.2, USA = 0.1 }'), "tariffs.1.rates", 15),
        (('exporter = "CHN"\nrate = 1.45', 'exporters = ["CHN", "USA"]\nrate = 0.2'), "tariffs.1.exporters", 15),
    ],
)
def test_scenario_refuses_own_sales_tariffs(tmp_path, edit, key, line):
    text = BASE.replace(*edit)
    if "rates" in key:
        text = text.replace('type = "pair"', 'type = "partner"')
    msg = _load_error(tmp_path, text)
    assert f"key '{key}', line {line}" in msg and "own sales are never taxed" in msg


def test_layers_on_all_partners_keep_own_sales_untaxed(w3):
    t = apply_layers(w3, [Layer("uniform", importer="*", rate=0.3), Layer("pair", importer="*", exporter="CHN", rate=0.5)])
    assert np.all(np.diag(t) == 0.0)
    assert t[0, 1] == pytest.approx(0.3) and t[1, 0] == pytest.approx(0.5)
    s = tw.Scenario(name="a", tariffs=[{"type": "uniform", "importer": "all", "rate": 0.2}])
    _, _, t, _, _ = prepare(s, w3)
    assert np.all(np.diag(t) == 0.0) and np.all(t + np.eye(3) * 0.2 == pytest.approx(0.2))


@pytest.mark.parametrize(
    "layer, field",
    [
        (Layer("pair", importer="USA", exporter="usa", rate=0.1), "exporter"),
        (Layer("partner", importer="USA", rates={"CHN": 0.1, "USA": 0.2}), "rates"),
        (Layer("uniform", importer="JPN", exporters=("USA", "JPN"), rate=0.1), "exporters"),
    ],
)
def test_library_layers_refuse_own_sales(w3, layer, field):
    with pytest.raises(ScenarioError, match=f"field '{field}'.*is the importer; own sales are never taxed"):
        apply_layers(w3, [layer])


def test_long_tariff_table_refuses_a_diagonal(tmp_path):
    trade, gdp = _long_world(tmp_path)
    tar = tmp_path / "tariffs.csv"
    tar.write_text("exporter,importer,tariff\nCHN,USA,0.2\nJPN,JPN,0.1\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_long(trade, gdp, tar)
    msg = str(e.value)
    assert msg.startswith(f"{tar}: field 'tariff', row 2: ") and "JPN's own sales" in msg


def test_shock_with_a_taxed_diagonal_names_the_country(w3):
    m = tw.calibrate_ilms(w3, tw.armington())
    t = np.zeros((3, 3))
    t[1, 0] = 0.2
    t[2, 2] = 0.1
    with pytest.raises(ScenarioError, match=r"field 't', exporter JPN, importer JPN: a tariff of 0.1 on JPN's own sales"):
        tw.solve_model(m, tw.Shock(t=t), codes=w3.codes)
    with pytest.raises(ScenarioError, match="field 't', exporter JPN, importer JPN"):
        check_shock(m, t, w3.codes)  # a bare array is the new tariffs


def test_shock_checks_shape_rates_and_types(w3):
    m = tw.calibrate_ilms(w3, tw.armington())
    with pytest.raises(ScenarioError, match=r"shape \(2, 2\), but the model's tariffs have shape \(3, 3\)"):
        tw.solve_model(m, np.zeros((2, 2)))
    with pytest.raises(ScenarioError, match="exporter CHN, importer USA: -1.5 is not a rate above -100%"):
        check_shock(m, np.array([[0, 0, 0], [-1.5, 0, 0], [0, 0, 0.0]]), w3.codes)
    with pytest.raises(ScenarioError, match="must be a tradewar.Shock"):
        tw.solve_model(m, "tariffs")
    with pytest.raises(ScenarioError, match="must be a calibrated model"):
        tw.solve_model("ilms", np.zeros((3, 3)))
    assert isinstance(check_shock(m, np.zeros((3, 3))), tw.Shock)


# --- 2. model parameters: one strict schema per family -----------------------------------------------------
@pytest.mark.parametrize(
    "model_lines, key, words",
    [
        ('family = "ilms"\nrevenue_use = "burn_it"', "model.revenue_use", ["'income_tax' or 'lump_sum'", "'burn_it'"]),
        ('family = "ilms"\nphi = -3', "model.phi", ["must be > 0", "got -3"]),
        ('family = "ilms"\neps = "four"', "model.eps", ["valid number", "'four'"]),
        ('family = "ilms"\neps_calib = 0', "model.eps_calib", ["greater than 0"]),
        ('family = "ilms"\nnu = [0.1, 1.5]', "model.nu", ["[0, 1)", "1.5"]),
        ('family = "ilms"\nbeta = 0', "model.beta", ["greater than 0"]),
        ('family = "ilms"\nbeta = 1.5', "model.beta", ["less than or equal to 1"]),
        ('family = "ilms"\nkappa = -0.5', "model.kappa", ["greater than or equal to 0"]),
        ('family = "ilms"\ntheta = 4', "model.theta", ["unknown key", "allowed: eps, kappa"]),
        ('family = "armington"\nkappa = 0.5', "model.kappa", ["unknown key", "allowed: eps, revenue_use"]),
        ('family = "caliendo_parro"\neps = 4', "model.eps", ["unknown key", "allowed: deficits"]),
        ('family = "caliendo_parro"\ndeficits = "balanced"', "model.deficits", ["'fixed', 'zero' or 'gdp_share'"]),
        ('family = "ossa"\nsigma = [1.0, 3.0]', "model.sigma.0", ["greater than 1"]),
        ('family = "caliendo-parro"', "model.family", ["unknown model family", "caliendo_parro"]),
    ],
)
def test_model_parameters_name_file_key_and_line(tmp_path, model_lines, key, words):
    text = BASE.replace('family = "ilms"\neps = 4', model_lines)
    msg = _load_error(tmp_path, text)
    assert f"key '{key}', line " in msg, msg
    line = int(msg.split(", line ")[1].split(":")[0])
    assert text.splitlines()[line - 1].split("=")[0].strip() == key.split(".")[1], (line, msg)
    for w in words:
        assert w in msg, msg


def test_phi_shift_must_leave_pass_through_positive(tmp_path):
    msg = _load_error(tmp_path, BASE.replace("eps = 4", "phi_shift = 1.2"))
    assert "key 'model', line 3" in msg and "phi - phi_shift must stay > 0" in msg


def test_non_utf8_scenario_is_one_line(tmp_path):
    p = tmp_path / "latin.toml"
    p.write_bytes(b'name = "caf\xe9"\n')
    line = _one_line_exit(runner.invoke(app, ["run", str(p)]))
    assert f"{p}: line 1: not UTF-8 text" in line


def test_a_scenario_without_family_is_ilms(tmp_path):
    s = load_scenario(_scenario(tmp_path, BASE.replace('family = "ilms"\n', "")))
    assert s.model.family == "ilms" and s.model.params() == {"eps": 4.0}


def test_params_from_python_raise_scenario_errors():
    with pytest.raises(ScenarioError, match="parameter 'eps': Input should be greater than 0, got -1"):
        tw.ILMSParams(eps=-1)
    with pytest.raises(ScenarioError, match="parameter 'revenue_use'"):
        tw.ILMSParams(revenue_use="burn_it")
    with pytest.raises(ScenarioError, match="parameter 'eps'.*valid number"):
        tw.armington("four")
    with pytest.raises(ScenarioError, match="parameter 'phi'"):
        tw.ILMSParams().replace(phi=(1.0, -2.0))
    with pytest.raises(ValueError):  # ScenarioError is also a ValueError
        validate_params("ossa", {"objective": "votes"})
    with pytest.raises(ScenarioError, match="unknown model family 'cp'"):
        validate_params("cp", {})
    assert tw.ILMSParams(nu=np.array([0.1, 0.2]), phi=2.0).eps == 4.0


@settings(max_examples=60, deadline=None)
@given(eps=st.floats(allow_nan=True, allow_infinity=True), kappa=st.floats(-2, 2))
def test_ilms_schema_accepts_exactly_the_admissible_range(eps, kappa):
    ok = np.isfinite(eps) and eps > 0 and kappa >= 0
    if ok:
        assert validate_params("ilms", {"eps": eps, "kappa": kappa}) == {"eps": eps, "kappa": kappa}
    else:
        with pytest.raises(ScenarioError, match="parameter '(eps|kappa)'"):
            validate_params("ilms", {"eps": eps, "kappa": kappa})


def test_every_family_has_a_schema_with_defaults():
    for family, schema in FAMILY_SCHEMAS.items():
        assert schema().family == family and validate_params(family, {}) == {}


# --- 3. rates above 5 are percentages unless the unit is declared --------------------------------------------
def test_percent_looking_rate_is_refused_with_the_way_to_write_it(tmp_path):
    msg = _load_error(tmp_path, BASE.replace("rate = 1.45", "rate = 150"))
    assert "key 'tariffs.1.rate', line 16" in msg and "write 1.5 for 150%" in msg and 'unit = "percent"' in msg


@pytest.mark.parametrize(
    "layer, expect",
    [
        ('rate = 150\nunit = "percent"', 1.5),
        ('unit = "fraction"\nrate = 100', 100.0),
        ("rate = 5", 5.0),
    ],
)
def test_declared_units(tmp_path, layer, expect):
    s = load_scenario(_scenario(tmp_path, BASE.replace("rate = 1.45", layer)))
    assert s.tariffs[1].rate == pytest.approx(expect)


@settings(max_examples=80, deadline=None)
@given(rate=st.floats(-5, 1e4, allow_nan=False), unit=st.sampled_from([None, "fraction", "percent"]))
def test_rate_rule(rate, unit):
    as_fraction = rate / 100 if unit == "percent" else rate
    ok = as_fraction > -1 and (unit is not None or as_fraction <= 5)
    layer = {"type": "uniform", "importer": "USA", "rate": rate} | ({"unit": unit} if unit else {})
    if ok:
        assert tw.Scenario(name="r", tariffs=[layer]).tariffs[0].rate == pytest.approx(as_fraction)
    else:
        with pytest.raises(ScenarioError, match="key 'tariffs.0.rate'.*(looks like a percentage|at or below -100%)"):
            tw.Scenario(name="r", tariffs=[layer])


def test_percent_rates_by_partner_and_floors(tmp_path):
    text = BASE.replace('type = "pair"', 'type = "partner"\nunit = "percent"').replace(
        'exporter = "CHN"\nrate = 1.45', "rates = { CHN = 145, JPN = 24 }"
    )
    s = load_scenario(_scenario(tmp_path, text))
    assert s.tariffs[1].rates == {"CHN": pytest.approx(1.45), "JPN": pytest.approx(0.24)}
    msg = _load_error(tmp_path, BASE.replace("rate = 0.1", "rate = 0.1\nfloor = 10"))
    assert "key 'tariffs.0.floor'" in msg and "write 0.1 for 10%" in msg
    msg = _load_error(tmp_path, BASE.replace("rate = 1.45", 'rate = -120\nunit = "percent"'))
    assert "key 'tariffs.1.rate'" in msg and "at or below -100%" in msg


def test_long_tariff_table_units(tmp_path):
    trade, gdp = _long_world(tmp_path)
    tar = tmp_path / "tariffs.csv"
    tar.write_text("exporter,importer,tariff\nCHN,USA,145\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 1: tariff 145 \(CHN -> USA\) looks like a percentage.*write 1.45 for 145%"):
        read_long(trade, gdp, tar)
    tar.write_text("exporter,importer,tariff,unit\nCHN,USA,145,percent\nJPN,USA,100,fraction\n", encoding="utf-8")
    w = read_long(trade, gdp, tar)
    assert w.tariffs[w.index("CHN"), w.index("USA")] == pytest.approx(1.45)
    assert w.tariffs[w.index("JPN"), w.index("USA")] == pytest.approx(100.0)
    assert read_long(trade, gdp, tar.parent / "tariffs.csv", tariff_unit="percent").tariffs.max() == pytest.approx(100.0)


# --- 4. country codes, everywhere ------------------------------------------------------------------------------
def test_output_and_layer_codes_are_checked_against_the_world(tmp_path, world2023):
    s = load_scenario(_scenario(tmp_path, BASE.replace('"JPN", "USA"', '"JPX", "USA"')))
    with pytest.raises(ScenarioError) as e:
        check_codes(s, world2023)
    assert "key 'output.countries', line 19: unknown country code 'JPX'" in str(e.value)
    assert "did you mean JPN?" in str(e.value)
    s = load_scenario(_scenario(tmp_path, BASE.replace('exporter = "CHN"', 'exporter = "CHX"')))
    with pytest.raises(ScenarioError, match="key 'tariffs.1.exporter', line 15: unknown country code 'CHX'.*did you mean CHN"):
        prepare(s, world2023)
    s = load_scenario(_scenario(tmp_path, BASE.replace('"JPN", "USA"', '"jpn", "usa"')))
    assert s.output.countries == ["JPN", "USA"]


def test_data_files_accept_only_iso3_or_declared_regions(tmp_path):
    trade, gdp = _long_world(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("exporter,importer,value\nUSA,CHN,3\nZZZ,USA,2\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_long(bad, gdp)
    assert str(e.value).startswith(f"{bad}: field 'exporter', row 2: unknown country code 'ZZZ'")
    bad.write_text("exporter,importer,value\nUSA,Japan,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"field 'importer', row 1: unknown country code 'Japan'; did you mean JPN \(Japan\)\?"):
        read_long(bad, gdp)
    bad.write_text("exporter,importer,value\nUSA,CHN,3\nNAFTA,USA,2\n", encoding="utf-8")
    gdp2 = tmp_path / "gdp2.csv"
    gdp2.write_text("country,gdp\nUSA,10\nCHN,8\nnafta,5\n", encoding="utf-8")
    w = read_long(bad, gdp2, regions=["NAFTA"])
    assert w.codes == ("USA", "CHN", "NAFTA")
    w = read_long(trade, gdp)
    assert w.codes == ("USA", "CHN", "JPN")  # lowercase 'usa' in the file is USA


def test_aggregate_mapping_refuses_codes_that_are_no_country(world2023):
    with pytest.raises(DataError, match="'XXX' is not an ISO 3166 alpha-3 code nor a country of the world"):
        tw.aggregate(world2023, {"XXX": "REG"}, rest="ROW")
    with pytest.raises(DataError, match=r"did you mean JPN \(JAPAN\)\?"):
        tw.aggregate(world2023, {"Japan": "ASIA"}, rest="ROW")
    # a real country the world lacks may stay in a shared mapping
    assert tw.aggregate(world2023, {"FRA": "EU27", "JPN": "ASIA", "chn": "ASIA"}, rest="ROW").codes == ("ROW", "ASIA")


def test_world_codes_are_normalised_and_checked():
    w = World(codes=("usa", " chn"), trade=np.ones((2, 2)), gdp=np.ones(2))
    assert w.codes == ("USA", "CHN") and w.index("Usa") == 0
    with pytest.raises(DataError, match=r"field 'codes' must be a sequence of codes.*got 'USA'"):
        World(codes="USA", trade=np.ones((1, 1)), gdp=np.ones(1))
    with pytest.raises(DataError, match="field 'codes', position 1"):
        World(codes=("USA", 3), trade=np.ones((2, 2)), gdp=np.ones(2))
    with pytest.raises(DataError, match="field 'trade' must be numbers"):
        World(codes=("USA", "CHN"), trade="flows", gdp=np.ones(2))
    with pytest.raises(DataError, match="unknown country code 'JPX'.*did you mean JPN"):
        load_world().partners("JPX")
    with pytest.raises(DataError, match="top must be a positive integer"):
        load_world().partners("USA", top=0)


@pytest.mark.parametrize("codes", ["JPX", "JPX,USA", "USA,,JPN"])
def test_cli_countries_option(codes):
    line = _one_line_exit(runner.invoke(app, ["run", "liberation-day", "--countries", codes]))
    assert "option '--countries'" in line
    if "JPX" in codes:
        assert "unknown country code 'JPX'" in line and "did you mean JPN?" in line


def test_cli_country_options_of_other_commands():
    line = _one_line_exit(runner.invoke(app, ["optimal", "liberation-day", "--country", "JPX"]))
    assert "option '--country'" in line and "did you mean JPN?" in line
    line = _one_line_exit(runner.invoke(app, ["data", "info", "--country", "JPX"]))
    assert "unknown country code 'JPX'" in line


def test_cli_output_countries_of_a_scenario(tmp_path):
    p = _scenario(tmp_path, BASE.replace('"JPN", "USA"', '"JPX"'))
    line = _one_line_exit(runner.invoke(app, ["run", str(p)]))
    assert f"{p}: key 'output.countries', line 19: unknown country code 'JPX'" in line


# --- 5. suspicious data -----------------------------------------------------------------------------------------
def test_zero_trade_country_warns_then_fails_with_one_line(tmp_path):
    (tmp_path / "trade.csv").write_text("exporter,importer,value\nUSA,CHN,100\nCHN,USA,400\nJPN,JPN,150\n"
                                        "USA,USA,20000\nCHN,CHN,15000\n", encoding="utf-8")
    (tmp_path / "gdp.csv").write_text("country,gdp\nUSA,27000\nCHN,18000\nJPN,4200\n", encoding="utf-8")
    with pytest.warns(TradewarWarning, match="JPN: no trade with other countries"):
        w = load_world(tmp_path)
    with pytest.raises(CalibrationError, match="country JPN has no trade with the other countries"):
        build_model("armington", w, {})
    p = _scenario(tmp_path, 'name = "z"\n[data]\nsource = "."\n[model]\nfamily = "armington"\n')
    res = runner.invoke(app, ["run", str(p)])
    line = _one_line_exit(res)
    assert "country JPN has no trade" in line
    assert any(ln.startswith("warning: JPN: no trade") for ln in res.output.splitlines())


def test_implausible_gdp_warns_and_one_sided_trade_warns(tmp_path):
    trade = tmp_path / "trade.csv"
    trade.write_text("exporter,importer,value\nUSA,CHN,100\nCHN,USA,400\nJPN,USA,150\n", encoding="utf-8")
    gdp = tmp_path / "gdp.csv"
    gdp.write_text("country,gdp\nUSA,27000\nCHN,18000\nJPN,0.001\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        load_world(trade, gdp_path=gdp)
    msgs = [str(r.message) for r in rec if issubclass(r.category, TradewarWarning)]
    assert any(m.startswith("JPN: GDP of 0.001 USD million") and "implausibly small" in m for m in msgs), msgs
    assert any(m.startswith("JPN: exports of 150 are 1.5e+05 times its GDP") for m in msgs), msgs
    assert any(m.startswith("JPN: no imports") for m in msgs), msgs


def test_shipped_and_shared_data_raise_no_warnings(world2023):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TradewarWarning)
        load_world("world2023")
        baci = Path(__file__).resolve().parents[2] / "shared" / "data" / "baci2023"
        if baci.is_dir():
            load_world(baci)


# --- 6. library calls with the wrong kind of argument ----------------------------------------------------------
@pytest.mark.parametrize(
    "call, cls, words",
    [
        (lambda: load_world(gdp_path=123), DataError, "gdp_path must be a path"),
        (lambda: load_world("world2023", gdp_path="gdp.csv"), DataError, "option 'gdp_path' does not apply"),
        (lambda: load_world(123), DataError, "source must be"),
        (lambda: tw.calibrate_ilms("world2023"), DataError, "expected a tradewar World"),
        (lambda: tw.calibrate_ilms(load_world(), "x"), ScenarioError, "params must be ILMSParams"),
        (lambda: tw.SolverOptions(tol=-1), ScenarioError, "tol must be a number in (0, 1)"),
        (lambda: tw.SolverOptions(method="bisection"), ScenarioError, "method must be one of"),
        (lambda: tw.load_scenario(123), ScenarioError, "preset name or a path"),
        (lambda: tw.Scenario(), ScenarioError, "Scenario: key 'name': Field required"),
        (lambda: tw.Scenario(name="x", tariffs=[{"type": "uniform", "rate": 150}]), ScenarioError, "key 'tariffs.0.rate'"),
        (lambda: tw.run_scenario("liberation-day", world=123), ScenarioError, "world must be a tradewar World"),
    ],
)
def test_library_errors_are_tradewar_errors(call, cls, words):
    with pytest.raises(cls) as e:
        call()
    assert isinstance(e.value, TradewarError) and words in str(e.value) and "\n" not in str(e.value)


def test_a_data_source_name_is_accepted_as_world():
    s = load_scenario("liberation-day")
    world, *_ = prepare(s, "world2023")
    assert world.n == 32


# --- 7. long tables from scenarios and the command line --------------------------------------------------------
def _long_world(folder: Path) -> tuple[Path, Path]:
    trade = folder / "trade.csv"
    trade.write_text(
        "exporter,importer,value\nusa,CHN,100\nCHN,USA,400\nJPN,USA,150\nUSA,JPN,80\nCHN,JPN,160\nJPN,CHN,140\n",
        encoding="utf-8",
    )
    gdp = folder / "gdp.csv"
    gdp.write_text("country,gdp\nUSA,27000\nCHN,18000\nJPN,4200\n", encoding="utf-8")
    return trade, gdp


def test_scenario_data_tables_are_relative_to_the_file(tmp_path):
    (tmp_path / "d").mkdir()
    _long_world(tmp_path / "d")
    (tmp_path / "d" / "t.csv").write_text("exporter,importer,tariff\nCHN,USA,0.2\n", encoding="utf-8")
    p = _scenario(
        tmp_path,
        'name = "l"\n[data]\nsource = "d/trade.csv"\ngdp = "d/gdp.csv"\ntariffs = "d/t.csv"\n'
        '[model]\nfamily = "armington"\n[[tariffs]]\ntype = "pair"\nimporter = "USA"\nexporter = "CHN"\nrate = 0.5\n',
    )
    world, model, t, x, rule = prepare(load_scenario(p))
    assert world.codes == ("USA", "CHN", "JPN")
    assert world.tariffs[1, 0] == pytest.approx(0.2) and t[1, 0] == pytest.approx(0.7)


def test_long_trade_table_in_a_folder_is_read_as_long(tmp_path):
    _long_world(tmp_path)
    w = load_world(tmp_path)
    assert w.codes == ("USA", "CHN", "JPN") and w.trade[0, 1] == 100.0 and w.gdp[2] == 4200.0


def test_cli_gdp_and_tariffs_options(tmp_path):
    trade, gdp = _long_world(tmp_path)
    res = runner.invoke(app, ["data", "info", str(trade), "--gdp", str(gdp)])
    assert res.exit_code == 0 and "3 countries" in res.output, res.output
    line = _one_line_exit(runner.invoke(app, ["run", "liberation-day", "--data", str(trade)]))
    assert "needs a GDP table" in line and "--gdp" in line and "[data] gdp" in line
    line = _one_line_exit(runner.invoke(app, ["run", "liberation-day", "--gdp", str(gdp)]))
    assert "option 'gdp_path' does not apply" in line


@pytest.mark.parametrize(
    "command", [["run", "liberation-day"], ["optimal", "liberation-day"], ["nash", "liberation-day"],
                ["talks", "liberation-day"], ["bloc", "us-bloc-china"]],
)
def test_every_command_with_data_takes_gdp(tmp_path, command):
    _, gdp = _long_world(tmp_path)
    line = _one_line_exit(runner.invoke(app, [*command, "--gdp", str(gdp)]))
    assert "world2023: option 'gdp_path' does not apply" in line


def test_cli_runs_a_long_table_scenario(tmp_path):
    trade, gdp = _long_world(tmp_path)
    p = _scenario(
        tmp_path,
        'name = "l"\n[data]\nsource = "trade.csv"\ngdp = "gdp.csv"\n[model]\nfamily = "armington"\n'
        '[[tariffs]]\ntype = "pair"\nimporter = "USA"\nexporter = "CHN"\nrate = 0.5\n',
    )
    res = runner.invoke(app, ["run", str(p), "--countries", "chn,usa"])
    assert res.exit_code == 0, res.output
    assert "CHN" in res.output and "USA" in res.output and "JPN" not in res.output
    r = tw.run_scenario(p)
    assert r.countries("chn").index.tolist() == ["CHN"]  # one code as a string
    assert r.countries()["welfare_pct"].notna().all()
    with pytest.raises(DataError, match="unknown country code 'JPX'.*did you mean JPN"):
        r.countries(["JPX"])
