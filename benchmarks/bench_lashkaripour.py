"""Benchmark of the global tariff war (Lashkaripour 2021): tradewar against a plain NumPy/SciPy version.

Run: ``python benchmarks/bench_lashkaripour.py [--repeats 5] [--command]``. For WIOD 2014 (44 x 16, in-sample
elasticities) and ICIO 2022 (81 x 28, in-sample) it times, in the same process, the balancing step plus
the Nash solve

* ``scipy``: the same equations in NumPy, solved by MINPACK's hybrid method
  (``scipy.optimize.root(method="hybr")``) with a finite-difference Jacobian, unknowns in levels, as
  the MATLAB package does with ``fsolve``;
* ``tradewar``: :func:`tradewar.models.tariffwar.global_war` (dense Newton with the closed-form Jacobian,
  jit-compiled); ``cold`` is the first call in the process (tracing and compilation, or loading from the
  persistent compilation cache), ``warm`` the median of ``repeats`` further calls.

Both must agree (largest gap in welfare and in Nash tariffs is printed). ``--command`` also times the whole
``tradewar replicate lashkaripour2021`` command twice in fresh processes with an empty compilation cache:
cold (compiles) and warm (the cache filled by the first run). Needs ``../shared/data/tariffwar_cubes``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import root

from tradewar.data._cubes import read_tariffwar_cube
from tradewar.models.tariffwar import global_war
from tradewar.replicate.lashkaripour2021 import cube_inputs

CUBES = Path(__file__).resolve().parents[2] / "shared" / "data" / "tariffwar_cubes"


# ----------------------------------------------------------------------------- NumPy / SciPy reference
def _stats(X, t):
    lam = X / X.sum(axis=0, keepdims=True)
    Y = X.sum(axis=(0, 2))
    R = (X / (1.0 + t)).sum(axis=(1, 2))
    e = X.sum(axis=0) / Y[:, None]
    return lam, Y, R, e


def _equilibrium(w, Yh, t1, lam, Y, R, e, t, sigma):
    a = lam * ((1.0 + t1) / (1.0 + t) * w[:, None, None]) ** (1.0 - sigma)
    D = a.sum(axis=0)
    lam1 = a / D
    Xn = lam1 * (e * (Yh * Y)[:, None])[None]
    sales = Xn / (1.0 + t1)
    return lam1, Xn, sales, D


def _balance_fn(x, lam, Y, R, e, t, sigma):
    n = Y.size
    w, Yh = x[:n], x[n:]
    _, Xn, sales, _ = _equilibrium(w, Yh, t, lam, Y, R, e, t, sigma)
    r_w = sales.sum(axis=(1, 2)) / R - w
    r_w[-1] = (R * (w - 1.0)).sum() / R.sum()
    r_y = (w * R + (Xn - sales).sum(axis=(0, 2))) / Y - Yh
    return np.concatenate([r_w, r_y])


def _formula(lam1, sales, sigma):
    n = lam1.shape[0]
    off = (1.0 - np.eye(n))[:, :, None]
    ab = sales * off
    chi = ab / ab.sum(axis=(1, 2))[:, None, None]
    E = ((sigma - 1.0) * chi * (1.0 - lam1)).sum(axis=(1, 2))
    return 1.0 + 1.0 / np.maximum(E, 1.0)


def _nash_fn(x, lam, Y, R, e, t, sigma):
    n = Y.size
    w, Yh, tau = x[:n], x[n : 2 * n], x[2 * n :]
    t1 = ((tau[None, :] - 1.0) * (1.0 - np.eye(n)))[:, :, None] * np.ones_like(t)
    lam1, Xn, sales, _ = _equilibrium(w, Yh, t1, lam, Y, R, e, t, sigma)
    r_w = sales.sum(axis=(1, 2)) / R - w
    r_w[-1] = (R * (w - 1.0)).sum() / R.sum()
    r_y = (w * R + (Xn - sales).sum(axis=(0, 2))) / Y - Yh
    return np.concatenate([r_w, r_y, tau - _formula(lam1, sales, sigma)])


def scipy_war(X, t, eps):
    """Balance, then the Nash war, with ``scipy.optimize.root(method="hybr")``: (welfare %, tau - 1)."""
    sigma = eps + 1.0
    n = X.shape[0]
    lam, Y, R, e = _stats(X, t)
    s1 = root(_balance_fn, np.ones(2 * n), args=(lam, Y, R, e, t, sigma), method="hybr", tol=1e-12)
    _, Xb, _, _ = _equilibrium(s1.x[:n], s1.x[n:], t, lam, Y, R, e, t, sigma)
    lam, Y, R, e = _stats(Xb, t)
    tau0 = _formula(lam, Xb / (1.0 + t), sigma)
    x0 = np.concatenate([np.ones(2 * n), tau0])
    s2 = root(_nash_fn, x0, args=(lam, Y, R, e, t, sigma), method="hybr", tol=1e-12)
    w, Yh, tau = s2.x[:n], s2.x[n : 2 * n], s2.x[2 * n :]
    t1 = ((tau[None, :] - 1.0) * (1.0 - np.eye(n)))[:, :, None] * np.ones_like(t)
    _, _, _, D = _equilibrium(w, Yh, t1, lam, Y, R, e, t, sigma)
    lnP = (e * np.log(D) / (1.0 - sigma)).sum(axis=1)
    res = max(np.abs(_balance_fn(s1.x, *_stats(X, t), t, sigma)).max(), np.abs(_nash_fn(s2.x, lam, Y, R, e, t, sigma)).max())
    return 100.0 * (Yh * np.exp(-lnP) - 1.0), tau - 1.0, res


# ----------------------------------------------------------------------------- timing
def _time(fn, repeats):
    start = time.perf_counter()
    out = fn()
    cold = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return out, cold, statistics.median(times)


def _command(repeats_dir: Path) -> tuple[float, float]:
    env = dict(os.environ, TRADEWAR_CACHE_DIR=str(repeats_dir))
    exe = [sys.executable, "-m", "tradewar.cli", "replicate", "lashkaripour2021", "--data", str(CUBES),
           "--json", str(repeats_dir / "out.json")]
    out = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run(exe, env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--command", action="store_true", help="also time the whole replicate command")
    args = ap.parse_args()
    if not CUBES.is_dir():
        sys.exit(f"{CUBES}: tariffwar cubes not found")
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print(f"{'case':<14}{'scipy s':>10}{'ours cold s':>13}{'ours warm s':>13}{'speed-up':>10}{'gap welfare':>13}{'gap tariff':>12}")
    for name, file_name in (("WIOD2014 IS", "WIOD2014.mat"), ("ICIO2022 IS", "ICIO2022.mat")):
        world = read_tariffwar_cube(CUBES / file_name, "IS")
        X, t, eps = cube_inputs(world, file_name)
        (w_ref, tau_ref, res_ref), _, t_ref = _time(lambda X=X, t=t, eps=eps: scipy_war(X, t, eps), max(1, args.repeats // 2))
        ours, cold, warm = _time(lambda X=X, t=t, eps=eps, w=world: global_war(X, t, eps, w.codes, w.sectors), args.repeats)
        gw = np.abs(ours.welfare_pct - w_ref).max()
        gt = np.abs(ours.nash_tariff - tau_ref).max()
        print(f"{name:<14}{t_ref:>10.3f}{cold:>13.3f}{warm:>13.4f}{t_ref / warm:>9.1f}x{gw:>13.2e}{gt:>12.2e}"
              f"   (scipy max residual {res_ref:.1e})")
    if args.command:
        with tempfile.TemporaryDirectory() as d:
            cold, warm = _command(Path(d))
        print(f"tradewar replicate lashkaripour2021 (3 runs, whole command): cold {cold:.1f} s, warm {warm:.1f} s")


if __name__ == "__main__":
    main()
