"""The tariffwar cubes reader: orientation, tariffs, elasticity sets and one-line errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tradewar._exceptions import DataError
from tradewar.data import load_world

from .conftest import shared_dir

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def icio():
    return load_world(shared_dir("tariffwar_cubes") / "ICIO2022.mat", elasticities="CP")


def test_icio2022_orientation_and_sanity_figures(icio):
    # README sanity figures: tariff-inclusive spending of the importer, USD million
    X = icio.extras["spending"]
    usa, jpn = icio.index("USA"), icio.index("JPN")
    c29 = icio.sectors.index("C29")
    assert icio.n == 81 and icio.n_sectors == 28 and icio.codes[-1] == "ROW"
    assert "TWN" in icio.codes and icio.sectors[-1] == "Services (aggregate)"
    assert X[jpn, usa, c29] == pytest.approx(48035.5559, abs=1e-3)
    assert X[jpn, usa].sum() == pytest.approx(149564.0029, abs=1e-3)
    assert X[usa, jpn].sum() == pytest.approx(131942.0572, abs=1e-3)
    # the World holds flows at exporter prices: spending / (1 + tariff)
    np.testing.assert_allclose(icio.trade * (1.0 + icio.tariffs), X, rtol=1e-14)
    assert icio.has_domestic()
    assert np.all(np.diagonal(icio.tariffs, axis1=0, axis2=1) == 0.0)


def test_icio2022_tariffs_and_elasticities(icio):
    usa, jpn, chn = icio.index("USA"), icio.index("JPN"), icio.index("CHN")
    food = icio.sectors.index("C10T12")
    # the README's outlier: US food tariff on Japan ~0.91 (importer USA, exporter JPN)
    assert icio.tariffs[jpn, usa, food] == pytest.approx(0.91, abs=0.01)
    assert icio.tariffs[usa, jpn, food] < 0.5
    assert icio.tariffs[chn, usa].max() < 1.0
    # Caliendo-Parro (2015): motor vehicles 1.12, basic metals 3.28, services 4 (package default)
    theta = icio.extras["theta"]
    assert theta[icio.sectors.index("C29")] == pytest.approx(1.12, abs=1e-2)
    assert theta[-1] == pytest.approx(4.0)
    np.testing.assert_array_equal(icio.extras["theta_CP"], theta)
    np.testing.assert_array_equal(icio.extras["theta_U4"], np.full(28, 4.0))
    assert "caliendo_parro_2015" in icio.source


def test_wiod2014_and_other_sets():
    w = load_world(shared_dir("tariffwar_cubes") / "WIOD2014.mat", elasticities="is")
    assert (w.n, w.n_sectors) == (44, 16)
    assert w.sectors[13] == "Transport equipment"
    assert w.extras["theta"][1] == pytest.approx(13.53, abs=1e-2)  # in-sample, mining
    np.testing.assert_array_equal(w.extras["theta"], w.extras["theta_IS"])
    # gross output (sales net of tariffs) is the GDP field
    np.testing.assert_allclose(w.gdp, w.trade.sum(axis=(1, 2)))


def test_cube_errors_are_one_line(tmp_path):
    cube = shared_dir("tariffwar_cubes") / "ICIO2022.mat"
    with pytest.raises(DataError, match=r"field 'elasticities'.*unknown elasticity set 'XX'"):
        load_world(cube, elasticities="XX")
    bad = tmp_path / "broken.mat"
    bad.write_bytes(b"MATLAB 5.0 MAT-file, not HDF5")
    with pytest.raises(DataError, match=r"broken\.mat: not an HDF5 file"):
        load_world(bad)
    empty = tmp_path / "empty.mat"
    with h5py.File(empty, "w") as f:
        f.create_group("data")
    with pytest.raises(DataError, match=r"empty\.mat: field 'data/countries': missing"):
        load_world(empty)
    neg = tmp_path / "neg.mat"
    shutil.copyfile(cube, neg)
    with h5py.File(neg, "r+") as dst:
        x = dst["data/Xjik_3D"][()]
        x[23, 77, 41] = -5.0  # sector C29, importer USA, exporter JPN
        dst["data/Xjik_3D"][...] = x
    with pytest.raises(DataError, match=r"field 'data/Xjik_3D': exporter JPN, importer USA, sector C29: flows must"):
        load_world(neg)


def test_scenario_names_a_cube_and_its_elasticities(tmp_path):
    from tradewar._exceptions import ScenarioError
    from tradewar.scenario import _data_source, load_scenario

    cube = shared_dir("tariffwar_cubes") / "WIOD2014.mat"
    f = tmp_path / "war.toml"
    f.write_text(f'[data]\nsource = "{cube.as_posix()}"\nelasticities = "FGO"\n\n[model]\nfamily = "caliendo_parro"\n')
    s = load_scenario(f)
    assert s.data.elasticities == "FGO"
    w = load_world(_data_source(s), elasticities=s.data.elasticities)
    np.testing.assert_array_equal(w.extras["theta"], w.extras["theta_FGO"])
    f.write_text('[data]\nsource = "x.mat"\nelasticity = "FGO"\n')
    with pytest.raises(ScenarioError, match=r"key 'data.elasticity', line 3: unknown key"):
        load_scenario(f)
