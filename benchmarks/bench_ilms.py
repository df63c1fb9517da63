"""Benchmark: one 194-country ``ustr`` solve (ILMS 2025) with tradewar vs SciPy's ``fsolve``.

    python benchmarks/bench_ilms.py [DATA_DIR] [--repeats 20] [--fsolve-repeats 3] [--load K]

DATA_DIR defaults to ``../shared/data/baci2023`` beside the project. tradewar's times come from
:func:`tradewar.bench.time_solves` (medians of ``--repeats`` solves after a warm-up): the whole solve as a
caller of ``solve_model`` gets it (shock check, solve, accounting checks, admissibility, outcomes as NumPy
arrays) and the compiled program alone (the kernel: the solve, then the checks and outcomes at the root). The reference solves the same equations with
``scipy.optimize.fsolve`` (MINPACK hybrd, finite-difference Jacobian) from the same cold start (baseline,
all hats 1) to the same tolerance (max |residual| <= 1e-10):

* ``fsolve 3N``: the equations in their textbook form (unknowns log w^, log E^, log L^), in NumPy;
* ``fsolve 2N``: the residual tradewar solves (unknowns log w^, log L^; E^ in closed form), in NumPy.

Both solutions are checked against tradewar's. The speed-ups are printed against each reference, the
textbook 3N system first (the usual way to write and solve the model).

Threads: tradewar is timed with its own choice of BLAS threads (``SolverOptions.blas_threads=None``: one
thread for a system of this size) and with the BLAS library's default (``blas_threads=0``, what every
solve used before the choice existed); SciPy with its default and inside ``threadpool_limits(1)``.
``--load K`` runs K busy processes (``while True: pass``) during all timings, as other work on a shared
machine does, and stops them at the end.

Rounds: the timings are taken in ``--rounds`` rounds, each timing every variant (tradewar's medians of
``--repeats`` solves, SciPy's of ``--fsolve-repeats``), so that tradewar and SciPy meet the same state of the
machine. On a shared virtual machine the speed of memory-bound work (a dense LU, triangular solves) moves by
up to 2x within minutes while the load average stays below 1; the speed-ups are the ratios of medians taken
in the same round, printed as their median and range over the rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import fsolve
from threadpoolctl import threadpool_limits

from tradewar.bench import time_solves, ustr_case

TOL = 1e-10


class NumpyILMS:
    """The ILMS equations in NumPy, from the model's calibrated arrays (no JAX)."""

    def __init__(self, model, t):
        g = lambda a: np.asarray(a, dtype=float)  # noqa: E731
        self.lam, self.t0, self.E, self.Y, self.T, self.R0, self.nu, self.phi = (
            g(model.lambda_),
            g(model.t0),
            g(model.E),
            g(model.Y),
            g(model.T),
            g(model.R0),
            g(model.nu),
            g(model.phi),
        )
        self.eps, self.kappa, self.psi = float(model.eps), float(model.kappa), float(model.psi)
        self.income_tax = model.income_tax
        self.n = len(self.E)
        self.t = np.asarray(t, dtype=float)
        self.B = self.lam * ((1 + self.t) / (1 + self.t0)) ** (-self.eps * self.phi[None, :])
        self.Bt = self.B / (1 + self.t)

    def _tau_hat(self, R, Yn):
        return (1 - self.R0 / self.Y) / (1 - R / Yn) if self.income_tax else np.ones_like(R)

    def residual_2n(self, y):
        n = self.n
        lw, lL = y[:n], y[n:]
        w, L = np.exp(lw), np.exp(lL)
        c = np.exp(-self.eps * (lw - self.psi * lL))
        S = c @ self.B
        H = c @ (self.t * self.Bt)
        G = S - H
        Yn = w * L * self.Y
        imports = Yn + self.T * (Yn.sum() / self.Y.sum())
        spend = imports / G
        Eh = spend * S / self.E
        R = spend * H
        P = (Eh / w) ** (1 - self.phi) * S ** (-1 / self.eps)
        sales = c * (self.Bt @ ((1 - self.nu) * spend)) + self.nu * imports
        income = (sales - Yn) / self.Y
        income[0] = (self.E * (P - 1)).sum() / self.E.sum()
        labour = lL - self.kappa * (np.log(self._tau_hat(R, Yn)) + lw - np.log(P))
        return np.concatenate([income, labour])

    def residual_3n(self, y):
        n = self.n
        lw, lE, lL = y[:n], y[n : 2 * n], y[2 * n :]
        w, Eh, L = np.exp(lw), np.exp(lE), np.exp(lL)
        A = self.B * (w * L ** (-self.psi))[:, None] ** (-self.eps)
        S = A.sum(0)
        lam1 = A / S
        P = (Eh / w) ** (1 - self.phi) * S ** (-1 / self.eps)
        X1 = lam1 * (Eh * self.E)[None, :] / (1 + self.t)
        R = (self.t * X1).sum(0)
        Yn = w * L * self.Y
        sales = ((1 - self.nu)[None, :] * X1).sum(1) + self.nu * X1.sum(0)
        income = (sales - Yn) / self.Y
        income[0] = (self.E * (P - 1)).sum() / self.E.sum()
        budget = (Eh * self.E - R - Yn - self.T * (Yn.sum() / self.Y.sum())) / self.E
        labour = lL - self.kappa * (np.log(self._tau_hat(R, Yn)) + lw - np.log(P))
        return np.concatenate([income, budget, labour])


def time_fsolve(fun, y0, repeats):
    times, sol = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        sol, info, ier, msg = fsolve(fun, y0, xtol=TOL, full_output=True)
        times.append(time.perf_counter() - start)
    res = float(np.max(np.abs(fun(sol))))
    return statistics.median(times), sol, res, int(info["nfev"]), ier == 1


def time_tradewar(model, shock, repeats, blas_threads):
    from tradewar.solve import SolverOptions

    return time_solves(model, shock, repeats, SolverOptions(blas_threads=blas_threads))


@contextlib.contextmanager
def busy(k: int):
    """``k`` processes spinning on a core each, for the duration of the block."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(k)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def main(argv=None) -> int:
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "baci2023"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(default), help="194-country folder (BACI layout)")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--fsolve-repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="rounds, each timing every variant")
    ap.add_argument("--load", type=int, default=0, help="busy background processes during the timings")
    args = ap.parse_args(argv)
    if not Path(args.data).is_dir():
        print(f"no data folder at {args.data}; pass the 194-country folder", file=sys.stderr)
        return 2
    if args.repeats < 1 or args.fsolve_repeats < 1 or args.rounds < 1 or args.load < 0:
        print("--repeats, --fsolve-repeats and --rounds must be at least 1, --load at least 0", file=sys.stderr)
        return 2
    with busy(args.load):
        return _run(args)


def _run(args) -> int:
    import jax.numpy as jnp

    from tradewar.solve import Shock, solve_model

    case = ustr_case(args.data)
    n = case.model.n
    shock = Shock(t=jnp.asarray(case.t))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{n} countries, {args.load} busy background processes, load average {load}, {os.cpu_count()} CPUs")
    eq = solve_model(case.model, shock)
    lw = np.log1p(eq.outcomes["wage_pct"] / 100)
    lE = np.log1p(eq.outcomes["expenditure_pct"] / 100)
    lL = np.log1p(eq.outcomes["employment_pct"] / 100)
    ref = NumpyILMS(case.model, case.t)
    systems = {
        "fsolve 2N": (ref.residual_2n, np.zeros(2 * n), np.concatenate([lw, lL])),
        "fsolve 3N": (ref.residual_3n, np.zeros(3 * n), np.concatenate([lw, lE, lL])),
    }
    for label, (fun, _, y_ours) in systems.items():
        assert np.max(np.abs(fun(y_ours))) <= TOL, f"{label}: tradewar's solution is not a root of the NumPy residual"

    ours_labels = {"one BLAS thread (tradewar's choice)": None, "BLAS default threads": 0}
    rounds: list[dict[str, float]] = []  # per round: variant -> median seconds (tradewar: whole and kernel)
    info: dict[str, str] = {}
    for _ in range(args.rounds):
        got: dict[str, float] = {}
        for label, threads in ours_labels.items():
            whole, kernel, steps = time_tradewar(case.model, shock, args.repeats, threads)
            got[f"tradewar whole, {label}"], got[f"tradewar kernel, {label}"] = whole, kernel
            info[label] = f"{steps} steps"
        for label, (fun, y0, y_ours) in systems.items():
            for threads in ("default threads", "one thread"):
                limit = threadpool_limits(1) if threads == "one thread" else contextlib.nullcontext()
                with limit:
                    sec, sol, res, nfev, ok = time_fsolve(fun, y0, args.fsolve_repeats)
                diff = float(np.max(np.abs(sol - y_ours)))
                status = "converged" if ok and res <= TOL else "NOT converged"
                info[f"{label}, {threads}"] = (
                    f"{nfev} residual evaluations, max residual {res:.1e} ({status}), max |y - y_tradewar| {diff:.1e}"
                )
                if ok and res <= TOL:
                    got[f"SciPy {label}, {threads}"] = sec
        rounds.append(got)

    def spread(key):
        v = [r[key] * 1e3 for r in rounds if key in r]
        return f"median {statistics.median(v):8.2f} ms (rounds {min(v):.2f}-{max(v):.2f})" if v else "no value"

    print(f"{args.rounds} rounds; tradewar: medians of {args.repeats} solves a round, SciPy: of {args.fsolve_repeats}")
    for label in ours_labels:
        print(
            f"tradewar (JAX, chord + Newton), {label}, {info[label]}: whole solve (checks and outcomes included) "
            f"{spread(f'tradewar whole, {label}')}; compiled program alone {spread(f'tradewar kernel, {label}')}"
        )
    for label in systems:
        for threads in ("default threads", "one thread"):
            key = f"SciPy {label}, {threads}"
            print(f"SciPy {label} (NumPy, MINPACK), {threads}: {spread(key)}; {info[f'{label}, {threads}']}")
    print(f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    mine = "one BLAS thread (tradewar's choice)"
    for label in ("fsolve 3N", "fsolve 2N"):
        ratios = {"whole": [], "kernel": []}
        for r in rounds:
            refs = [v for k, v in r.items() if k.startswith(f"SciPy {label},")]
            if refs:
                ratios["whole"].append(min(refs) / r[f"tradewar whole, {mine}"])
                ratios["kernel"].append(min(refs) / r[f"tradewar kernel, {mine}"])
        if not ratios["whole"]:
            print(f"SciPy {label} did not reach the tolerance")
            continue
        text = ", ".join(
            f"{statistics.median(v):.0f}x {what} (rounds {min(v):.0f}-{max(v):.0f}x)"
            for what, v in (("whole solve", ratios["whole"]), ("compiled program alone", ratios["kernel"]))
        )
        print(f"speed-up vs SciPy {label} (its faster thread setting, same round): {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
