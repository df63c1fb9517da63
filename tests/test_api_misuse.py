"""Misuse of the Python API is a :class:`TradewarError` with a message that says what to pass, never a
library exception from deep inside (``TypeError``, ``KeyError``, ``ValueError`` of NumPy or pydantic)."""

from __future__ import annotations

import numpy as np
import pytest

import tradewar as tw


@pytest.fixture(scope="module")
def world():
    return tw.load_world("world2023")


@pytest.fixture(scope="module")
def result():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tw.TradewarWarning)  # the data's trade-balance notice
        return tw.run_scenario("liberation-day")


CASES = [
    ("scenario-int", lambda w, r: tw.run_scenario(123), "preset name or a path"),
    ("scenario-none", lambda w, r: tw.run_scenario(None), "preset name or a path"),
    ("world-none", lambda w, r: tw.load_world(None), "source must be"),
    ("calibrate-none", lambda w, r: tw.calibrate_ilms(None, tw.ILMSParams()), "expected a tradewar World"),
    ("calibrate-dict", lambda w, r: tw.calibrate_ilms(w, {"eps": 4}), "params must be ILMSParams"),
    ("params-text", lambda w, r: tw.ILMSParams(eps="a"), "valid number"),
    ("shock-shape", lambda w, r: tw.solve_model(tw.calibrate_ilms(w, tw.ILMSParams()), tw.Shock(t=np.zeros((3, 3)))),
     "has shape (3, 3)"),
    ("shock-nan", lambda w, r: tw.solve_model(tw.calibrate_ilms(w, tw.ILMSParams()),
                                              tw.Shock(t=np.full((32, 32), np.nan))), "nan"),
    ("aggregate-none", lambda w, r: tw.aggregate(w, None), "mapping must be"),
    ("country-unknown", lambda w, r: r.countries(["XXX"]), "unknown country code 'XXX'"),
    ("bilateral-unknown", lambda w, r: r.bilateral("nope"), "no outcome 'nope'"),
    ("theta-wrong-length", lambda w, r: _cp_with_theta([4.0, 5.0]), "2 trade elasticities for a world of 16 sectors"),
    ("theta-matrix", lambda w, r: _cp_with_theta(np.full((4, 4), 5.0)), "16 trade elasticities for a world of 16"),
    ("theta-nan", lambda w, r: _cp_with_theta(np.full(16, np.nan)), "must be positive, got nan"),
]


def _cp_with_theta(theta):
    from tradewar.models.caliendo_parro import calibrate

    w = tw.load_world("world2022s")
    return calibrate(w.replace(extras={**w.extras, "theta": np.asarray(theta, dtype=float)}))


@pytest.mark.filterwarnings("ignore::tradewar.TradewarWarning")
@pytest.mark.parametrize(("call", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_misuse_is_a_tradewar_error(world, result, call, words):
    with pytest.raises(tw.TradewarError) as e:
        call(world, result)
    assert words in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("value", [False, True, "0.1", float("nan"), float("inf")])
def test_http_requests_refuse_numbers_that_are_not_numbers(value):
    from pydantic import ValidationError

    from tradewar.scenario import load_scenario
    from tradewar.web._models import OptimalRequest

    s = load_scenario("liberation-day")
    with pytest.raises(ValidationError):
        OptimalRequest(scenario=s, lower=value)
    assert OptimalRequest(scenario=s, lower=0).lower == 0.0
