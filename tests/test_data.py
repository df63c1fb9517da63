"""Tests of the data layer: embedded world2023, readers, validation errors, aggregation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tradewar._exceptions import DataError
from tradewar.data import (
    EU27_MEMBERS,
    World,
    aggregate,
    load_world,
    read_baci_folder,
    read_long,
    read_wide,
    write_long,
)

SHARED_BACI = Path(__file__).resolve().parents[2] / "shared" / "data" / "baci2023"
EU27 = sorted(
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE".split()
)


@pytest.fixture(scope="module")
def w2023() -> World:
    return load_world("world2023")


# --- embedded world2023 --------------------------------------------------------------------------
def test_world2023_shape_and_labels(w2023):
    assert w2023.n == 32
    assert w2023.codes[:4] == ("USA", "CHN", "JPN", "EU27") and w2023.codes[-1] == "ROW"
    assert w2023.trade.shape == (32, 32) and w2023.gdp.shape == (32,) and w2023.tariffs.shape == (32, 32)
    assert not w2023.has_sectors and w2023.units == "USD million"
    assert np.all(np.diag(w2023.trade) == 0.0)
    assert np.all(w2023.trade >= 0) and np.all(w2023.gdp > 0) and np.all(w2023.tariffs == 0)
    assert w2023.names[w2023.index("EU27")] == "European Union (27)"
    assert "BACI" in w2023.source and "WDI" in w2023.source


def test_world2023_figures(w2023):
    x, i = w2023.trade, w2023.index
    assert x[i("USA"), i("CHN")] == pytest.approx(145334.4)
    assert x[i("ROW"), i("BGD")] == pytest.approx(4563.7)
    assert w2023.gdp[i("JPN")] == pytest.approx(4204495.0)
    sched = w2023.schedules["us_2025_04_02"]
    assert sched.shape == (32,) and sched[i("USA")] == 0.0
    assert sched[i("CHN")] == pytest.approx(0.54) and sched[i("ROW")] == pytest.approx(0.172)
    assert sched[i("EU27")] == pytest.approx(0.2) and sched[i("KHM")] == pytest.approx(0.49)


def _filled():
    """The pairs of world2023 filled from OECD ICIO 2022 (``filled_pairs.csv`` shipped with the data)."""
    import importlib.resources

    import pandas as pd

    with importlib.resources.as_file(importlib.resources.files("tradewar") / "data/world2023/filled_pairs.csv") as f:
        return pd.read_csv(f)


def test_world2023_filled_pairs(w2023):
    """The pairs the source lacks hold the scaled ICIO 2022 goods flows (documented in the dataset README)."""
    x, i = w2023.trade, w2023.index
    f = _filled()
    assert len(f) == 38 and not f.duplicated(["exporter", "importer"]).any()
    pairs = set(zip(f["exporter"], f["importer"], strict=True))
    for a, b in [
        ("KOR", "VNM"),
        ("KOR", "PHL"),
        ("KOR", "RUS"),
        ("VNM", "PHL"),
        ("VNM", "RUS"),
        ("ARG", "KOR"),
        ("ISR", "SAU"),
    ]:
        assert (a, b) in pairs and (b, a) in pairs
    for r in f.itertuples():
        assert x[i(r.exporter), i(r.importer)] == pytest.approx(r.value, abs=1e-9)
        assert r.value == pytest.approx(r.scale * r.icio2022_goods, abs=0.1)
        # an empty cell of the source, or a nearly empty one (crude oil and petroleum the source misses)
        assert r.baci == 0.0 or (r.icio2022_goods > 1000.0 and r.baci < 0.1 * r.icio2022_goods)
    assert list(f.loc[f["baci"] > 0, "exporter"]) == ["SAU", "ARE", "SAU", "SAU", "SAU"]
    # every other off-diagonal cell with no trade has none in ICIO 2022 either
    assert np.count_nonzero(x == 0.0) == 32
    # published as built by tools/build_world2023.py (USD million)
    assert x[i("KOR"), i("VNM")] == pytest.approx(57153.8) and x[i("VNM"), i("KOR")] == pytest.approx(22676.9)
    assert x[i("SAU"), i("KOR")] == pytest.approx(32067.3) and x[i("ARE"), i("KOR")] == pytest.approx(17345.7)
    assert x[i("KOR"), i("PHL")] == pytest.approx(12636.7) and x[i("RUS"), i("KOR")] == pytest.approx(7578.7)
    assert x[i("VNM"), i("PHL")] == pytest.approx(5489.4) and x[i("ARG"), i("KOR")] == pytest.approx(1693.3)
    assert x[i("ISR"), i("SAU")] == pytest.approx(23.3) and x[i("SAU"), i("ISR")] == pytest.approx(5.2)
    assert w2023.trade.sum() == pytest.approx(17768831.2, abs=1.0)


def test_world2023_trade_balances(w2023):
    """Goods trade balance in % of GDP: Vietnam +26.8 (+34.0 before the filled pairs); the table of the README."""
    from tradewar.data._checks import balances, imbalances

    b = dict(zip(w2023.codes, 100 * balances(w2023), strict=True))
    assert b["VNM"] == pytest.approx(26.8, abs=0.05) and b["HKG"] == pytest.approx(-115.5, abs=0.05)
    assert b["MYS"] == pytest.approx(25.1, abs=0.05) and b["NOR"] == pytest.approx(19.8, abs=0.05)
    assert b["KOR"] == pytest.approx(8.0, abs=0.05) and b["PHL"] == pytest.approx(-11.9, abs=0.05)
    assert b["SAU"] == pytest.approx(10.7, abs=0.05) and b["USA"] == pytest.approx(-3.7, abs=0.05)
    assert imbalances(w2023).startswith(
        "HKG (-115.5%), VNM (+26.8%), MYS (+25.1%), NOR (+19.8%): trade balance beyond 15% of GDP"
    )
    assert imbalances(w2023, threshold=1.2) is None


def test_calibration_warns_of_large_trade_balances(w2023):
    from tradewar import TradewarWarning
    from tradewar.models._registry import build_model

    with pytest.warns(TradewarWarning, match=r"^HKG \(-115\.5%\), VNM \(\+26\.8%\), MYS .*deficits = \"zero\""):
        build_model("ilms", w2023, {})
    import warnings

    # with the deficits removed first the imbalances do not enter the model: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_model("armington", w2023, {"deficits": "zero"})
    # a world within the threshold calibrates without a warning
    x = np.array([[0.0, 10.0], [9.0, 0.0]])
    small = World(codes=("USA", "JPN"), trade=x, gdp=np.array([100.0, 50.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_model("armington", small, {})
    with pytest.warns(TradewarWarning, match=r"^JPN \(\+18\.0%\): trade balance beyond 15% of GDP"):
        build_model("armington", small.replace(trade=np.array([[0.0, 1.0], [10.0, 0.0]])), {})


def test_data_info_shows_trade_balances():
    from typer.testing import CliRunner

    from tradewar.cli import app

    res = CliRunner().invoke(app, ["data", "info", "--country", "VNM", "--top", "3"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "balance % of GDP" in res.stdout and "7.30" in res.stdout  # China, among the 3 largest
    assert (
        "trade balance beyond 15% of GDP (a warning at calibration): HKG -115.5%, VNM +26.8%, MYS +25.1%, NOR +19.8%"
    ) in res.stdout
    assert "VNM: exports 440,398, imports 325,150, trade balance 115,248 USD million (+26.8% of GDP)" in res.stdout


def test_japan_sanity_shares(w2023):
    """Japan: 20.6% of exports to the USA, 18.1% to China; 23.3% of imports from China, 10.7% from the USA."""
    x, i = w2023.trade, w2023.index
    jpn, usa, chn = i("JPN"), i("USA"), i("CHN")
    exp, imp = x[jpn].sum(), x[:, jpn].sum()
    assert 100 * x[jpn, usa] / exp == pytest.approx(20.6, abs=0.1)
    assert 100 * x[jpn, chn] / exp == pytest.approx(18.1, abs=0.1)
    assert 100 * x[chn, jpn] / imp == pytest.approx(23.3, abs=0.1)
    assert 100 * x[usa, jpn] / imp == pytest.approx(10.7, abs=0.1)
    assert 100 * (x[jpn, chn] + x[chn, jpn]) / (exp + imp) == pytest.approx(20.7, abs=0.1)
    top = w2023.partners("JPN", top=2)
    assert list(top.index) == ["CHN", "USA"]


def test_world_is_immutable(w2023):
    for arr in (w2023.trade, w2023.gdp, w2023.tariffs, w2023.schedules["us_2025_04_02"]):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        w2023.codes = ("X",)  # type: ignore[misc]
    with pytest.raises(TypeError):
        w2023.schedules["other"] = np.zeros(32)  # type: ignore[index]
    assert load_world().trade[0, 1] == w2023.trade[0, 1]


def test_load_world_dispatch(tmp_path, w2023):
    with pytest.raises(DataError, match="not found"):
        load_world(tmp_path / "nothing-here")
    with pytest.raises(DataError, match="not a data folder"):
        load_world(tmp_path)
    with pytest.raises(DataError, match="gdp_path"):
        (tmp_path / "t.csv").write_text("exporter,importer,value\nUSA,CHN,1\n")
        load_world(tmp_path / "t.csv")


# --- long tables ----------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_long_round_trip(tmp_path, w2023, suffix):
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 0.3, size=(32, 32))
    np.fill_diagonal(t, 0.0)  # own sales are never taxed
    world = w2023.replace(tariffs=t)
    paths = [tmp_path / f"{name}{suffix}" for name in ("trade", "gdp", "tariffs")]
    write_long(world, *paths)
    back = read_long(*paths)
    assert back.codes == world.codes
    np.testing.assert_allclose(back.trade, world.trade, rtol=1e-14)
    np.testing.assert_allclose(back.gdp, world.gdp, rtol=1e-14)
    np.testing.assert_allclose(back.tariffs, world.tariffs, rtol=1e-14)
    again = load_world(paths[0], gdp_path=paths[1])
    np.testing.assert_allclose(again.trade, world.trade, rtol=1e-14)


def test_long_order_missing_pairs_and_domestic(tmp_path):
    trade = _write(tmp_path, "trade.csv",
                   "exporter,importer,value\nCHN,usa,5\nJPN,CHN,2\nCHN,CHN,7\nUSA,USA,9\nJPN,JPN,4\n")
    gdp = _write(tmp_path, "gdp.csv", "country,gdp\nUSA,10\nJPN,3\nCHN,8\nDEU,4\n")
    w = read_long(trade, gdp, units="USD billion")
    assert w.codes == ("CHN", "USA", "JPN") and w.units == "USD billion"
    assert w.trade.tolist() == [[7.0, 5.0, 0.0], [0.0, 9.0, 0.0], [2.0, 0.0, 4.0]]
    assert w.gdp.tolist() == [8.0, 10.0, 3.0]


# --- validation: one-line errors naming file, field and row -----------------------------------------
def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


GDP_OK = "country,gdp\nUSA,10\nCHN,8\nJPN,3\n"
TRADE_OK = "exporter,importer,value\nUSA,CHN,1\nCHN,JPN,2\nJPN,USA,3\n"

LONG_CASES = {
    "negative flow": (TRADE_OK.replace("CHN,JPN,2", "CHN,JPN,-2"), GDP_OK, None, ["field 'value'", "row 2", "CHN -> JPN", "negative"]),
    "nan flow": (TRADE_OK.replace("CHN,JPN,2", "CHN,JPN,NaN"), GDP_OK, None, ["field 'value'", "row 2", "not a number"]),
    "text flow": (TRADE_OK.replace("JPN,USA,3", "JPN,USA,3x"), GDP_OK, None, ["field 'value'", "row 3", "'3x'"]),
    "empty flow": (TRADE_OK.replace("JPN,USA,3", "JPN,USA,"), GDP_OK, None, ["field 'value'", "row 3", "empty cell"]),
    "missing column": ("exporter,importer,flow\nUSA,CHN,1\n", GDP_OK, None, ["field 'value'", "missing column", "exporter,importer,value"]),
    "unknown code": (TRADE_OK.replace("CHN,JPN", "CH1,JPN"), GDP_OK, None, ["field 'exporter'", "row 2", "'CH1'", "ISO 3166"]),
    "unknown importer": (TRADE_OK.replace("USA,CHN", "USA,UNITED STATES"), GDP_OK, None, ["field 'importer'", "row 1"]),
    "duplicate rows": (TRADE_OK + "CHN,JPN,4\n", GDP_OK, None, ["row 4", "duplicate pair CHN -> JPN", "first at row 2"]),
    "missing gdp": (TRADE_OK, "country,gdp\nUSA,10\nCHN,8\n", None, ["gdp.csv", "field 'country'", "JPN", "missing GDP"]),
    "empty gdp": (TRADE_OK, GDP_OK.replace("JPN,3", "JPN,"), None, ["gdp.csv", "field 'gdp'", "row 3", "JPN", "missing GDP"]),
    "zero gdp": (TRADE_OK, GDP_OK.replace("CHN,8", "CHN,0"), None, ["gdp.csv", "field 'gdp'", "row 2", "positive"]),
    "duplicate gdp": (TRADE_OK, GDP_OK + "USA,11\n", None, ["gdp.csv", "field 'country'", "row 4", "duplicate", "USA"]),
    "gdp column": (TRADE_OK, "country,GDP\nUSA,1\n", None, ["gdp.csv", "field 'gdp'", "missing column"]),
    "tariff -100%": (TRADE_OK, GDP_OK, "exporter,importer,tariff\nUSA,CHN,0.1\nCHN,USA,-1.0\n", ["tariffs.csv", "field 'tariff'", "row 2", "CHN -> USA", "-100%"]),
    "tariff nan": (TRADE_OK, GDP_OK, "exporter,importer,tariff\nUSA,CHN,abc\n", ["tariffs.csv", "field 'tariff'", "row 1", "'abc'"]),
    "tariff unknown country": (TRADE_OK, GDP_OK, "exporter,importer,tariff\nUSA,CHN,0.1\nDEU,USA,0.2\n", ["tariffs.csv", "field 'exporter'", "row 2", "DEU", "not in the trade table"]),
    "tariff duplicate": (TRADE_OK, GDP_OK, "exporter,importer,tariff\nUSA,CHN,0.1\nUSA,CHN,0.2\n", ["tariffs.csv", "row 2", "duplicate pair"]),
    "no rows": ("exporter,importer,value\n", GDP_OK, None, ["trade.csv", "no data rows"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(LONG_CASES))
def test_long_errors_name_file_field_row(tmp_path, case):
    trade, gdp, tariffs, expected = LONG_CASES[case]
    paths = [_write(tmp_path, "trade.csv", trade), _write(tmp_path, "gdp.csv", gdp)]
    if tariffs is not None:
        paths.append(_write(tmp_path, "tariffs.csv", tariffs))
    with pytest.raises(DataError) as err:
        read_long(*paths)
    _check_message(err.value, expected)


def test_long_errors_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    trade = tmp_path / "flows.parquet"
    pd.DataFrame({"exporter": ["USA", "CHN"], "importer": ["CHN", "USA"], "value": [1.0, np.nan]}).to_parquet(trade)
    with pytest.raises(DataError) as err:
        read_long(trade, _write(tmp_path, "gdp.csv", GDP_OK))
    _check_message(err.value, ["flows.parquet", "field 'value'", "row 2", "CHN -> USA"])


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as err:
        read_long(tmp_path / "nope.csv", tmp_path / "gdp.csv")
    _check_message(err.value, ["nope.csv", "file not found"])


def _check_message(err: DataError, expected: list[str]) -> None:
    msg = str(err)
    assert "\n" not in msg, msg
    for part in expected:
        assert part in msg, f"{part!r} not in {msg!r}"


# --- BACI folder layout ---------------------------------------------------------------------------
def _baci(folder: Path, trade=None, gdp=None, tariffs=None, labels=None) -> Path:
    """A 3-country folder in the 194-country layout (thousand USD, USD, fractions)."""
    folder.mkdir(exist_ok=True)
    _write(
        folder,
        "country_labels.csv",
        labels or "iso3,iso_code,CountryName\nCHN,1,China\nJPN,2,Japan\nUSA,3,United States\n",
    )
    head = "export_ij1,export_ij2,export_ij3\n"
    _write(folder, "trade_cepii.csv", head + (trade or ",2000,3000\n1500,,\n4000,500.5,\n"))
    _write(folder, "gdp.csv", "gdp\n" + (gdp or "17e12\n4.2e12\n2.7e13\n"))
    _write(folder, "tariffs.csv", "applied_tariff\n" + (tariffs or ".54\n.24\n0\n"))
    return folder


def test_baci_folder_reader(tmp_path):
    w = read_baci_folder(_baci(tmp_path / "b"))
    assert w.codes == ("CHN", "JPN", "USA") and w.names == ("China", "Japan", "United States")
    np.testing.assert_allclose(w.trade, [[0, 2, 3], [1.5, 0, 0], [4, 0.5005, 0]])
    np.testing.assert_allclose(w.gdp, [17e6, 4.2e6, 2.7e7])
    np.testing.assert_allclose(w.schedules["us_2025_04_02"], [0.54, 0.24, 0.0])
    assert load_world(tmp_path / "b").codes == w.codes


BACI_CASES = {
    "negative cell": ({"trade": ",2000,3000\n1500,,-1\n4000,500.5,\n"}, ["trade_cepii.csv", "field 'export_ij3'", "row 2", "JPN", "negative"]),
    "text cell": ({"trade": ",2000,3000\n1500,,\n4000,n/a,\n"}, ["trade_cepii.csv", "field 'export_ij2'", "row 3", "'n/a'"]),
    "wrong shape": ({"trade": ",2000,3000\n1500,,\n"}, ["trade_cepii.csv", "field 'shape'", "2 rows x 3 columns", "3 x 3"]),
    "missing gdp": ({"gdp": "17e12\n\n2.7e13\n\n"}, ["gdp.csv", "field 'gdp'", "row 2", "JPN", "missing GDP"]),
    "short gdp": ({"gdp": "17e12\n4e12\n"}, ["gdp.csv", "field 'gdp'", "2 data rows, expected 3"]),
    "NA gdp": ({"gdp": "17e12\n4e12\nNA\n"}, ["gdp.csv", "field 'gdp'", "row 3", "USA", "missing GDP", "'NA'"]),
    "tariff": ({"tariffs": ".54\n-1.5\n0\n"}, ["tariffs.csv", "field 'applied_tariff'", "row 2", "JPN", "-100%"]),
    "bad label": ({"labels": "iso3,iso_code,CountryName\nCHN,1,China\nJP,2,Japan\nUSA,3,United States\n"}, ["country_labels.csv", "field 'iso3'", "row 2", "'JP'"]),
    "duplicate label": ({"labels": "iso3,iso_code,CountryName\nCHN,1,China\nCHN,2,Japan\nUSA,3,United States\n"}, ["country_labels.csv", "row 2", "duplicate"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BACI_CASES))
def test_baci_errors_name_file_field_row(tmp_path, case):
    kw, expected = BACI_CASES[case]
    with pytest.raises(DataError) as err:
        read_baci_folder(_baci(tmp_path / "b", **kw))
    _check_message(err.value, expected)


# --- wide layout ----------------------------------------------------------------------------------
def test_wide_reader_and_errors(tmp_path):
    d = tmp_path / "w"
    d.mkdir()
    _write(d, "trade.csv", "exporter,USA,CHN\nUSA,0,1.5\nCHN,2.5,0\n")
    _write(d, "gdp.csv", "region,gdp_usd_million\nCHN,8\nUSA,10\n")
    w = load_world(d)
    assert w.codes == ("USA", "CHN") and w.gdp.tolist() == [10.0, 8.0] and not w.schedules
    _write(d, "us_tariff_2025_04_02.csv", "region,us_tariff\nUSA,0\nCHN,-2\n")
    with pytest.raises(DataError) as err:
        read_wide(d)
    _check_message(err.value, ["us_tariff_2025_04_02.csv", "field 'us_tariff'", "row 2", "CHN"])
    _write(d, "trade.csv", "exporter,CHN,USA\nUSA,0,1.5\nCHN,2.5,0\n")
    with pytest.raises(DataError) as err:
        read_wide(d)
    _check_message(err.value, ["trade.csv", "field 'header'", "same order"])
    _write(d, "trade.csv", "exporter,USA,CHN\nUSA,0,1.5\nCHN,-2.5,0\n")
    with pytest.raises(DataError) as err:
        read_wide(d)
    _check_message(err.value, ["trade.csv", "field 'USA'", "row 2 (exporter CHN)", "negative"])


# --- aggregation ----------------------------------------------------------------------------------
@pytest.fixture
def four() -> World:
    """USA, CAN, MEX, JPN with tariffs; region NAM = CAN + MEX."""
    x = np.array(
        [
            [0.0, 10.0, 20.0, 5.0],  # USA exports
            [30.0, 0.0, 1.0, 2.0],  # CAN
            [40.0, 3.0, 0.0, 0.0],  # MEX
            [6.0, 4.0, 0.0, 0.0],  # JPN
        ]
    )
    t = np.array(
        [
            [0.0, 0.05, 0.10, 0.02],
            [0.20, 0.0, 0.03, 0.04],
            [0.30, 0.06, 0.0, 0.08],
            [0.10, 0.12, 0.50, 0.0],
        ]
    )
    sched = np.array([0.0, 0.25, 0.35, 0.24])
    return World(
        codes=("USA", "CAN", "MEX", "JPN"),
        trade=x,
        gdp=np.array([100.0, 10.0, 8.0, 20.0]),
        tariffs=t,
        schedules={"us_2025_04_02": sched, "other": sched},
    )


def test_aggregate_sums_and_weights(four):
    r = aggregate(four, {"USA": "USA", "CAN": "NAM", "MEX": "NAM", "JPN": "JPN"}, names={"NAM": "North America"})
    assert r.codes == ("USA", "NAM", "JPN") and r.names == ("United States", "North America", "Japan")
    assert r.trade.sum() == pytest.approx(four.trade.sum()) and r.gdp.sum() == pytest.approx(four.gdp.sum())
    np.testing.assert_allclose(r.gdp, [100.0, 18.0, 20.0])
    np.testing.assert_allclose(r.trade, [[0, 30, 5], [70, 4, 2], [6, 4, 0]])
    assert r.trade[1, 1] == 1.0 + 3.0  # CAN <-> MEX is now domestic
    # USA tariff on NAM goods: (30*0.20 + 40*0.30) / 70; NAM on USA: (10*0.05 + 20*0.10) / 30
    assert r.tariffs[1, 0] == pytest.approx((30 * 0.20 + 40 * 0.30) / 70)
    assert r.tariffs[0, 1] == pytest.approx((10 * 0.05 + 20 * 0.10) / 30)
    # within NAM: (1*0.03 + 3*0.06) / 4; JPN on NAM goods: (2*0.04 + 0*0.08) / 2
    assert r.tariffs[1, 1] == pytest.approx((1 * 0.03 + 3 * 0.06) / 4)
    assert r.tariffs[1, 2] == pytest.approx(0.04)
    # NAM on JPN goods: (4*0.12 + 0*0.50) / 4; JPN on itself has no flow: simple average (0)
    assert r.tariffs[2, 1] == pytest.approx(0.12) and r.tariffs[2, 2] == 0.0
    # US schedule weighted by US imports (30 from CAN, 40 from MEX); "other" by total exports (33, 43)
    assert r.schedules["us_2025_04_02"][1] == pytest.approx((30 * 0.25 + 40 * 0.35) / 70)
    assert r.schedules["other"][1] == pytest.approx((33 * 0.25 + 43 * 0.35) / 76)
    assert r.schedules["us_2025_04_02"][0] == 0.0 and r.schedules["us_2025_04_02"][2] == 0.24


def test_aggregate_no_flow_pair_falls_back_to_simple_average(four):
    x = np.array(four.trade)
    x[3, 1:3] = 0.0  # JPN sells nothing to CAN or MEX
    r = aggregate(four.replace(trade=x), {"CAN": "NAM", "MEX": "NAM"}, rest="OTH")
    assert r.codes == ("OTH", "NAM")
    k = r.codes.index("NAM")
    # OTH = USA + JPN: tariffs of NAM on OTH goods, weights USA 10, 20 and JPN 0, 0
    assert r.tariffs[1 - k, k] == pytest.approx((10 * 0.05 + 20 * 0.10) / 30)
    only_jpn = aggregate(four.replace(trade=x), {"USA": "USA", "JPN": "JPN", "CAN": "NAM", "MEX": "NAM"})
    assert only_jpn.tariffs[3 - 1, 1] == pytest.approx((0.12 + 0.50) / 2)


def test_aggregate_rest_order_and_domestic(four):
    r = aggregate(four, {"CAN": "NAM", "MEX": "NAM", "USA": "USA"}, rest="ROW", order=["ROW", "USA", "NAM"])
    assert r.codes == ("ROW", "USA", "NAM") and r.names[0] == "Rest of the world"
    r0 = aggregate(four, {"CAN": "NAM", "MEX": "NAM", "USA": "USA", "JPN": "JPN"}, keep_domestic=False)
    assert np.all(np.diag(r0.trade) == 0.0)
    assert r0.trade.sum() == pytest.approx(four.trade.sum() - 4.0)


def test_aggregate_multisector(four):
    x3 = np.stack([four.trade, 2 * four.trade], axis=2)
    t3 = np.stack([four.tariffs, four.tariffs], axis=2)
    w3 = World(codes=four.codes, trade=x3, gdp=four.gdp, tariffs=t3, sectors=("goods", "food"))
    r = aggregate(w3, {"USA": "USA", "CAN": "NAM", "MEX": "NAM", "JPN": "JPN"})
    assert r.trade.shape == (3, 3, 2) and r.sectors == ("goods", "food")
    one = aggregate(four, {"USA": "USA", "CAN": "NAM", "MEX": "NAM", "JPN": "JPN"})
    np.testing.assert_allclose(r.trade[..., 0], one.trade)
    np.testing.assert_allclose(r.trade[..., 1], 2 * one.trade)
    np.testing.assert_allclose(r.tariffs[..., 1], one.tariffs)


def test_aggregate_errors(four, tmp_path):
    with pytest.raises(DataError) as err:
        aggregate(four, {"CAN": "NAM", "MEX": "NAM"})
    _check_message(err.value, ["no region for 2 countries", "USA, JPN", "rest='ROW'"])
    with pytest.raises(DataError) as err:
        aggregate(four, {"CAN": "NAM", "MEX": "north america"}, rest="ROW")
    _check_message(err.value, ["field 'region'", "MEX -> north america", "invalid code"])
    path = _write(tmp_path, "map.csv", "country,region\nCAN,NAM\nMEX,NAM\nCAN,ROW\n")
    with pytest.raises(DataError) as err:
        aggregate(four, path, rest="ROW")
    _check_message(err.value, ["map.csv", "field 'country'", "row 3", "CAN is listed twice"])
    path = _write(tmp_path, "map2.csv", "country,group\nCAN,NAM\n")
    with pytest.raises(DataError) as err:
        aggregate(four, path)
    _check_message(err.value, ["map2.csv", "field 'region'", "missing column"])
    ok = _write(tmp_path, "map3.csv", "country,region\nCAN,NAM\nMEX,NAM\nUSA,USA\nJPN,JPN\nFRA,EU27\n")
    assert aggregate(four, ok).codes == ("USA", "NAM", "JPN")


# --- the 194-country data of the shared folder ----------------------------------------------------
@pytest.mark.shared
def test_shared_baci_aggregates_to_world2023(w2023):
    if not (SHARED_BACI / "country_labels.csv").is_file():
        pytest.skip(f"shared data not found at {SHARED_BACI}")
    b = load_world(SHARED_BACI)
    assert b.n == 194 and {"USA", "CHN", "JPN"} <= set(b.codes)
    assert sorted(EU27_MEMBERS) == EU27 and set(EU27) <= set(b.codes)
    named = [c for c in w2023.codes if c not in ("EU27", "ROW")]
    mapping = {c: c for c in named} | {c: "EU27" for c in EU27}
    agg = aggregate(b, mapping, rest="ROW", order=w2023.codes, keep_domestic=False)
    assert agg.codes == w2023.codes
    assert agg.gdp.sum() == pytest.approx(b.gdp.sum())
    off = ~np.eye(32, dtype=bool)
    filled = np.zeros((32, 32), dtype=bool)
    f = _filled()
    e, m = [w2023.indices(list(f[k])) for k in ("exporter", "importer")]
    filled[e, m] = True
    # world2023 drops intra-EU27 and intra-ROW trade (zero diagonal) and is rounded to 0.1 USD million;
    # every cell is the source's but the filled pairs, whose source values the provenance table keeps
    np.testing.assert_allclose(agg.trade[off & ~filled], w2023.trade[off & ~filled], rtol=0, atol=0.051)
    np.testing.assert_allclose(agg.trade[e, m], f["baci"], rtol=0, atol=0.051)
    assert np.all(w2023.trade[e, m] > agg.trade[e, m])
    np.testing.assert_allclose(agg.gdp, w2023.gdp, rtol=0.005, atol=1.0)
    np.testing.assert_allclose(agg.schedules["us_2025_04_02"], w2023.schedules["us_2025_04_02"], rtol=0, atol=0.005)
    kept = aggregate(b, mapping, rest="ROW", order=w2023.codes)
    assert kept.trade[3, 3] > 0 and kept.trade[31, 31] > 0  # intra-EU27 and intra-ROW flows kept as domestic


@pytest.mark.shared
def test_build_script_reproduces_world2023(w2023):
    """tools/build_world2023.py rebuilds the shipped trade.csv and filled_pairs.csv from ../shared/data."""
    import importlib.util

    cube = SHARED_BACI.parent / "tariffwar_cubes" / "ICIO2022.mat"
    if not (SHARED_BACI / "country_labels.csv").is_file() or not cube.is_file():
        pytest.skip("shared data (baci2023, tariffwar_cubes) not found")
    pytest.importorskip("h5py")
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("build_world2023", root / "tools" / "build_world2023.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    trade, filled = mod.build(SHARED_BACI, cube)
    assert tuple(trade.index) == w2023.codes and tuple(trade.columns) == w2023.codes
    np.testing.assert_allclose(trade.to_numpy(), w2023.trade, rtol=0, atol=1e-9)
    shipped = _filled()
    for col in ("exporter", "importer"):
        assert list(filled[col]) == list(shipped[col])
    for col in ("baci", "icio2022_goods", "scale", "value"):
        np.testing.assert_allclose(filled[col], shipped[col], rtol=0, atol=1e-9)
