"""Start-up: commands that solve nothing do not load JAX; traced programs are stored and found again."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from tradewar import _jax

ENTRY = "import sys; from tradewar.cli import main\nsys.argv = ['tradewar', *sys.argv[1:]]\n"


def _python(code: str, *args: str) -> str:
    """The output of ``code`` run by a fresh interpreter, which must exit with status 0."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("args", [["--help"], ["scenarios"], ["data", "info", "--country", "JPN"]])
def test_commands_that_solve_nothing_do_not_import_jax(args):
    code = ENTRY + (
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = sorted(m for m in ('jax', 'jaxlib', 'equinox', 'optimistix', 'scipy') if m in sys.modules)\n"
        "print('heavy:', heavy)\n"
    )
    out = _python(code, *args)
    assert out.strip().splitlines()[-1] == "heavy: []"


def test_a_command_collects_its_own_garbage_and_leaves_the_heap_to_the_system_at_exit():
    """The console script raises the first generation's threshold and freezes the heap after every other exit
    handler, including those registered later (JAX's, the command's)."""
    code = (
        "import atexit, gc\n"
        "from tradewar.__main__ import collect_for_one_command\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))  # runs after freeze\n"
        "collect_for_one_command()\n"
        "atexit.register(lambda: print('frozen before later handlers:', gc.get_freeze_count() > 0))\n"
        "class Cycle:\n    pass\n"
        "c = Cycle(); c.me = c; del c\n"
        "print('threshold:', gc.get_threshold()[0], 'collected:', gc.collect() >= 1)\n"
    )
    out = _python(code)
    assert out.splitlines() == [
        "threshold: 50000 collected: True", "frozen before later handlers: False", "frozen at exit: True"]


def test_a_solve_loads_lapack_without_scipy_linalg_and_scipy_linalg_still_imports_later():
    """The BLAS thread limit needs SciPy's LAPACK in the process, not the rest of ``scipy.linalg``."""
    code = (
        "import sys\n"
        "import tradewar as tw\n"
        "from tradewar.solve import _blas_controller\n"
        "tw.run_scenario('liberation-day')\n"
        "blas = [lib for lib in _blas_controller().lib_controllers if lib.user_api == 'blas']\n"
        "print('blas found:', len(blas) >= 1)\n"
        "print('linalg imported:', 'scipy.linalg' in sys.modules)\n"
        "print('wrappers loaded:', all(m in sys.modules for m in ('scipy.linalg.cython_blas', 'scipy.linalg.cython_lapack')))\n"
        "import jax.numpy as jnp\n"
        "x = jnp.linalg.solve(jnp.array([[2.0, 1.0], [1.0, 3.0]]), jnp.array([3.0, 5.0]))\n"
        "print('lu:', [round(float(v), 12) for v in x])\n"
        "import scipy.linalg\n"
        "from scipy.linalg import cython_lapack\n"
        "print('same module:', cython_lapack is sys.modules['scipy.linalg.cython_lapack'])\n"
        "c, low = scipy.linalg.cho_factor([[4.0, 2.0], [2.0, 3.0]])\n"
        "print('cholesky:', [round(float(v), 12) for v in scipy.linalg.cho_solve((c, low), [2.0, 1.0])])\n"
    )
    out = _python(code)
    assert out.splitlines() == [
        "blas found: True", "linalg imported: False", "wrappers loaded: True", "lu: [0.8, 1.4]",
        "same module: True", "cholesky: [0.5, 0.0]"]


def test_a_solve_and_an_optimal_tariff_import_neither_optimistix_nor_lineax_nor_scipy_linalg():
    """Importing them takes about 0.4 s, the first two in every solving command; the direct solve and its stored
    program need none of them (the key of a stored program reads the libraries' versions from the installed
    metadata), and the projected Newton search of an optimal tariff factorises its Hessian with NumPy."""
    code = (
        "import sys\n"
        "import numpy as np\n"
        "import tradewar as tw\n"
        "from tradewar.data import World\n"
        "from tradewar.models.ilms import armington, calibrate\n"
        "from tradewar.strategy import optimal_tariff\n"
        "tw.run_scenario('liberation-day')\n"
        "X = np.array([[10.0, 2.0, 2.0], [2.0, 10.0, 2.0], [2.0, 2.0, 10.0]])\n"
        "m = calibrate(World(codes=('USA', 'CHN', 'JPN'), trade=X, gdp=X.sum(axis=0)), armington(4.0))\n"
        "print('converged:', optimal_tariff(m, 0, 'partner').converged)\n"
        "print('imported:', sorted(m for m in ('optimistix', 'lineax', 'scipy.linalg') if m in sys.modules))\n"
    )
    assert _python(code).splitlines() == ["converged: True", "imported: []"]


_COUNT_METADATA_READS = (
    "import importlib.metadata as md\n"
    "reads = []\n"
    "read = md.PathDistribution.read_text\n"
    "def counted(self, name):\n"
    "    reads.append(name)\n"
    "    return read(self, name)\n"
    "md.PathDistribution.read_text = counted\n"
    "original = md.distributions\n"
)


@pytest.mark.parametrize("platforms", [None, "cpu", "rocm"])
def test_importing_jax_skips_its_scan_for_a_rocm_plugin_unless_rocm_is_asked_for(platforms):
    """JAX parses the metadata of every installed package as it is imported, to find a ROCm plugin (about 80 ms
    of every command); the scan is handed an empty list where no ROCm platform is asked for, and every other
    caller, after and during the import, still gets every installed package."""
    code = (
        "import os\n"
        + (f"os.environ['JAX_PLATFORMS'] = {platforms!r}\n" if platforms else "os.environ.pop('JAX_PLATFORMS', None)\n")
        + _COUNT_METADATA_READS
        + "import tradewar\n"
        "import jax.numpy\n"
        "scan = reads.count('METADATA')\n"
        "print('scan reads:', 'none' if scan < 5 else 'all')\n"
        "print('restored:', md.distributions is original)\n"
        "print('listed:', sum(1 for _ in md.distributions()) > 5)\n"
        "print('platforms:', os.environ.get('JAX_PLATFORMS'))\n"
    )
    scan = "all" if platforms == "rocm" else "none"
    assert _python(code).splitlines() == [
        f"scan reads: {scan}", "restored: True", "listed: True", f"platforms: {platforms}"]


def test_the_rocm_scan_is_left_alone_where_jax_was_imported_before_tradewar():
    code = (
        _COUNT_METADATA_READS
        + "import jax\n"
        "import tradewar, sys\n"
        "print(reads.count('METADATA') > 5, any(type(f).__name__ == '_BeforeJax' for f in sys.meta_path))\n"
    )
    assert _python(code).splitlines() == ["True False"]


def test_lapack_falls_back_to_the_usual_import_where_scipy_is_laid_out_otherwise():
    code = (
        "import sys\n"
        "from tradewar import _blas\n"
        "def odd():\n    raise ImportError('scipy.linalg.cython_blas')\n"
        "_blas._load_extensions = odd\n"
        "_blas.load_lapack()\n"
        "print(sorted(m for m in ('scipy.linalg', 'scipy.linalg.cython_blas', 'scipy.linalg.cython_lapack') "
        "if m in sys.modules))\n"
    )
    out = _python(code)
    assert out.strip() == "['scipy.linalg', 'scipy.linalg.cython_blas', 'scipy.linalg.cython_lapack']"


class Affine(eqx.Module):
    """A small model-like value: arrays (inputs of the program) and a static float (fixed in it)."""

    a: jnp.ndarray
    b: jnp.ndarray
    power: float


TRACES: list[str] = []


def _affine(m: Affine, x, k):
    TRACES.append("traced")
    y = m.a @ x**m.power + m.b * k
    return {"y": y, "stats": [jnp.sum(y), jnp.max(y)]}


@pytest.fixture
def program_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(_jax, "_dir", tmp_path)
    monkeypatch.setattr(_jax, "_PROGRAMS", {})
    TRACES.clear()
    return tmp_path / "programs"


def _args(power=2.0, n=3):
    m = Affine(a=jnp.arange(n * n, dtype=float).reshape(n, n), b=jnp.ones(n), power=power)
    return m, np.linspace(0.5, 1.5, n), 3.0


def test_cached_call_matches_filter_jit_and_is_found_by_a_new_process(program_dir):
    args = _args()
    want = eqx.filter_jit(_affine)(*args)
    TRACES.clear()
    got = _jax.cached_call(_affine, *args)
    assert TRACES == ["traced"]
    np.testing.assert_array_equal(got["y"], want["y"])
    assert float(got["stats"][0]) == pytest.approx(float(np.sum(want["y"])), rel=1e-15)
    files = list(program_dir.glob("_affine-*.jaxexport"))
    assert len(files) == 1
    # the same call in this process, then in a "new process" (empty memory): no tracing
    _jax.cached_call(_affine, *args)
    _jax._PROGRAMS.clear()
    again = _jax.cached_call(_affine, *args)
    assert TRACES == ["traced"]
    np.testing.assert_array_equal(again["y"], want["y"])


def test_static_values_shapes_and_code_make_new_programs(program_dir, monkeypatch):
    want = eqx.filter_jit(_affine)(*_args(power=3.0))["y"]
    TRACES.clear()
    _jax.cached_call(_affine, *_args(power=2.0))
    cubed = _jax.cached_call(_affine, *_args(power=3.0))
    bigger = _jax.cached_call(_affine, *_args(n=4))
    assert len(TRACES) == 3
    np.testing.assert_allclose(cubed["y"], want, rtol=1e-15)
    assert bigger["y"].shape == (4,)
    assert len(list(program_dir.glob("*.jaxexport"))) == 3
    # an edit of tradewar's source (or another version of JAX) never reuses a stored program, and
    # storing the new one removes those of the old code
    monkeypatch.setattr(_jax, "_code_digest", lambda: "edited")
    _jax._PROGRAMS.clear()
    _jax.cached_call(_affine, *_args(power=2.0))
    assert len(TRACES) == 4
    (left,) = program_dir.glob("*.jaxexport")
    assert left.name.startswith("_affine-edited-")


def test_a_process_finds_its_program_by_values_of_static_leaves_and_shapes_of_arrays(program_dir):
    m, x, k = _args()
    first = _jax.cached_call(_affine, m, x, k)["y"]
    # the same shapes and dtypes as NumPy or JAX arrays, new array values: the same program
    again = _jax.cached_call(_affine, m, jnp.asarray(x), k)["y"]
    moved = _jax.cached_call(_affine, m, 2.0 * x, k)["y"]
    assert TRACES == ["traced"]
    np.testing.assert_array_equal(again, first)
    np.testing.assert_allclose(moved, eqx.filter_jit(_affine)(m, 2.0 * x, k)["y"], rtol=1e-15)
    # a static leaf (the float k) with another value, or a float array where there was a float: new programs
    TRACES.clear()
    other_k = _jax.cached_call(_affine, m, x, 4.0)["y"]
    as_array = _jax.cached_call(_affine, m, x, np.float64(k))["y"]
    assert TRACES == ["traced", "traced"]
    np.testing.assert_allclose(other_k, eqx.filter_jit(_affine)(m, x, 4.0)["y"], rtol=1e-15)
    np.testing.assert_array_equal(as_array, first)


def _quick_affine(m: Affine, x, k):
    return _affine(m, x, k)


def test_a_quick_program_is_compiled_with_the_quick_options_and_gives_the_same_values(program_dir, monkeypatch):
    quick = _jax.stored(_quick_affine, quick=True)
    want = eqx.filter_jit(_affine)(*_args())["y"]
    np.testing.assert_allclose(quick(*_args())["y"], want, rtol=1e-15)
    assert _quick_affine in _jax._QUICK and _affine not in _jax._QUICK
    # the options reach XLA: one it does not know fails the compile of that program only
    monkeypatch.setattr(_jax, "QUICK_OPTIONS", {"xla_no_such_option": 1})
    _jax._PROGRAMS.clear()
    with pytest.raises(Exception, match="xla_no_such_option"):
        quick(*_args(n=4))
    assert _jax.cached_call(_affine, *_args(n=4))["y"].shape == (4,)


def _sized_affine(m: Affine, x, k):
    return _affine(m, x, k)


def test_a_test_of_the_arguments_compiles_each_program_quickly_or_optimised(program_dir, monkeypatch):
    sized = _jax.stored(_sized_affine, quick=lambda m, x, k: x.shape[0] > 3)
    monkeypatch.setattr(_jax, "QUICK_OPTIONS", {"xla_no_such_option": 1})
    np.testing.assert_allclose(sized(*_args(n=3))["y"], eqx.filter_jit(_affine)(*_args(n=3))["y"], rtol=1e-15)
    with pytest.raises(Exception, match="xla_no_such_option"):  # the larger program takes the quick options
        sized(*_args(n=4))


def test_a_damaged_program_is_traced_again_and_replaced(program_dir):
    args = _args()
    want = _jax.cached_call(_affine, *args)["y"]
    (path,) = program_dir.glob("*.jaxexport")
    (executable,) = program_dir.glob("*.xla")
    path.write_bytes(b"not a program")
    executable.write_bytes(b"not an executable")
    _jax._PROGRAMS.clear()
    got = _jax.cached_call(_affine, *args)["y"]
    np.testing.assert_array_equal(got, want)
    assert len(TRACES) == 2
    _jax._PROGRAMS.clear()
    _jax.cached_call(_affine, *args)
    assert len(TRACES) == 2  # the replaced file is good


def _counting_compiles(monkeypatch) -> list[int]:
    compiles: list[int] = []
    compile_ = _jax._compile
    monkeypatch.setattr(_jax, "_compile", lambda *a: compiles.append(1) or compile_(*a))
    return compiles


def test_a_later_process_loads_the_stored_executable_without_tracing_or_compiling(program_dir, monkeypatch):
    args = _args()
    compiles = _counting_compiles(monkeypatch)
    want = _jax.cached_call(_affine, *args)
    assert compiles == [1] and len(list(program_dir.glob("_affine-*.xla"))) == 1
    _jax._PROGRAMS.clear()  # as in a new process
    got = _jax.cached_call(_affine, *args)
    assert compiles == [1] and TRACES == ["traced"]
    np.testing.assert_array_equal(got["y"], want["y"])
    np.testing.assert_array_equal(got["stats"][1], want["stats"][1])
    # other arguments of the same shapes run the loaded executable
    np.testing.assert_allclose(_jax.cached_call(_affine, args[0], 2.0 * args[1], 4.0)["y"],
                               eqx.filter_jit(_affine)(args[0], 2.0 * args[1], 4.0)["y"], rtol=1e-15)


def test_a_stored_function_called_inside_a_trace_becomes_part_of_that_program(program_dir):
    """A loaded executable takes arrays, not the tracers of an enclosing ``jit`` or ``vmap``."""
    import jax

    m, x, k = _args()
    _jax.cached_call(_affine, m, x, k)  # stored and loaded in this process
    xs = np.stack([x, 2.0 * x])
    got = jax.vmap(lambda x: _jax.cached_call(_affine, m, x, k)["y"])(xs)
    np.testing.assert_allclose(np.asarray(got[1]), _jax.cached_call(_affine, m, xs[1], k)["y"], rtol=1e-15)


def test_a_damaged_executable_is_compiled_again_from_the_stored_program_and_replaced(program_dir, monkeypatch):
    args = _args()
    want = _jax.cached_call(_affine, *args)["y"]
    (executable,) = program_dir.glob("*.xla")
    blob = executable.read_bytes()
    executable.write_bytes(blob[: len(blob) // 2])  # truncated: its recorded hash no longer matches
    compiles = _counting_compiles(monkeypatch)
    _jax._PROGRAMS.clear()
    np.testing.assert_array_equal(_jax.cached_call(_affine, *args)["y"], want)
    assert compiles == [1] and TRACES == ["traced"]  # compiled again, not traced again
    assert _jax._verified(executable.read_bytes()) is not None
    _jax._PROGRAMS.clear()
    _jax.cached_call(_affine, *args)
    assert compiles == [1]


@pytest.mark.parametrize("first", ["stored", "in_jaxs_cache"])
def test_an_executable_is_compiled_by_xla_and_runs_in_later_processes_whatever_jaxs_cache_holds(tmp_path, first):
    """JAX's persistent cache never supplies a stored program's executable: one it loaded would serialise without
    the code of some kernels, and a later process that ran it would fail. JAX's cache writes every program here
    (no threshold of compile time). A first process compiles the program ("in_jaxs_cache": as a writer that is
    not kept from JAX's cache would) and its executable is removed; a second compiles it again and stores it only
    where JAX's cache does not hold it; a third runs what is stored, or compiles again."""
    code = (
        "import sys, numpy as np, jax, jax.numpy as jnp\n"
        "from tradewar import _jax\n"
        "jax.config.update('jax_persistent_cache_min_compile_time_secs', 0.0)\n"
        "if sys.argv[1] == 'in_jaxs_cache':\n"
        "    _jax._compile = lambda jitted, specs, name: (jitted.lower(*specs).compile(), True)\n"
        "@_jax.stored\n"
        "def program(a, x):\n"
        "    return {'y': jnp.linalg.solve(a, x) + jnp.argmax(a, axis=0), 'i': jnp.arange(a.shape[0]) * x}\n"
        "a = np.eye(4) * 2.0 + 0.1\n"
        "out = program(a, np.linspace(1.0, 2.0, 4))\n"
        "print(np.asarray(out['y']).tolist(), np.asarray(out['i']).tolist())\n"
    )
    env = {**os.environ, "TRADEWAR_CACHE_DIR": str(tmp_path)}
    runs, stored = [], []
    for i, how in enumerate([first, "stored", "stored"]):
        proc = subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 0, proc.stderr
        runs.append(proc.stdout)
        executables = list((tmp_path / "programs").glob("program-*.xla"))
        stored.append(len(executables))
        if i == 0:
            executables[0].unlink()
    assert runs[0] == runs[1] == runs[2]
    held = bool(list(tmp_path.glob("jit_program_*")))  # JAX's cache files of the program
    assert (held, stored) == ((True, [1, 0, 0]) if first == "in_jaxs_cache" else (False, [1, 1, 1]))


def test_a_stored_executable_refers_to_pytree_classes_only(program_dir):
    """Its pickle may name JAX's pytree registries and classes of tradewar and equinox, nothing else: a file that
    names a function is not loaded, even with its hash right."""
    import hashlib
    import pickle

    _jax.cached_call(_affine, *_args())
    (executable,) = program_dir.glob("*.xla")
    assert _jax._load_executable(executable, "_affine") is not None
    for payload in (pickle.dumps((print, None, None)), pickle.dumps((_jax._write, None, None))):
        executable.write_bytes(_jax._MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        with pytest.raises(pickle.UnpicklingError, match="unexpected reference"):
            _jax._Unpickler(io.BytesIO(payload)).load()
        assert _jax._load_executable(executable, "_affine") is None


def test_no_executable_is_stored_or_loaded_where_another_user_could_write_it(program_dir):
    args = _args()
    want = _jax.cached_call(_affine, *args)["y"]
    (executable,) = program_dir.glob("*.xla")
    executable.chmod(0o666)
    assert _jax._load_executable(executable, "_affine") is None
    executable.chmod(0o644)
    assert _jax._load_executable(executable, "_affine") is not None
    program_dir.chmod(0o777)
    jax_cache = Path(_jax.jax.config.jax_compilation_cache_dir)
    threshold = _jax.jax.config.jax_persistent_cache_min_compile_time_secs
    _jax.jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    try:
        assert _jax._executable_path(executable, {}) is None
        _jax._PROGRAMS.clear()
        np.testing.assert_array_equal(_jax.cached_call(_affine, *args)["y"], want)  # compiled, through JAX's cache
    finally:
        program_dir.chmod(0o700)
        _jax.jax.config.update("jax_persistent_cache_min_compile_time_secs", threshold)
    # JAX's cache keeps it under the function's name, never under the name of a stored executable
    stored_name = f"jit__affine_{_jax._code_digest()[:12]}"
    assert list(jax_cache.glob("jit__affine-*")) and not list(jax_cache.glob(f"{stored_name}-*"))


def test_programs_are_private_and_checked_against_their_hash(program_dir):
    import stat

    args = _args()
    _jax.cached_call(_affine, *args)
    assert stat.S_IMODE(program_dir.stat().st_mode) == 0o700
    (path,) = program_dir.glob("*.jaxexport")
    blob = path.read_bytes()
    assert blob.startswith(_jax._MAGIC)
    head, _, program = blob.partition(b"\n")
    # a program altered after it was stored (its recorded hash no longer matches) is never loaded
    altered = bytearray(program)
    altered[len(altered) // 2] ^= 0xFF
    path.write_bytes(head + b"\n" + bytes(altered))
    assert _jax._load(path, ((),)) is None
    (executable,) = program_dir.glob("*.xla")
    assert executable.read_bytes().startswith(_jax._MAGIC)
    executable.unlink()  # else the program's executable would run, the program never read
    _jax._PROGRAMS.clear()
    _jax.cached_call(_affine, *args)
    assert len(TRACES) == 2 and _jax._verified(path.read_bytes()) is not None  # traced again and stored again


def test_without_a_cache_folder_nothing_is_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(_jax, "_dir", None)
    monkeypatch.setattr(_jax, "_PROGRAMS", {})
    got = _jax.cached_call(_affine, *_args())
    np.testing.assert_array_equal(got["y"], eqx.filter_jit(_affine)(*_args())["y"])
    assert not list(tmp_path.rglob("*.jaxexport"))


def test_solve_model_traces_once_and_later_processes_load_the_program(program_dir, monkeypatch, world2023):
    from tradewar import solve
    from tradewar.models.ilms import calibrate

    model = calibrate(world2023)
    t = np.array(model.t0)
    t[:, world2023.index("USA")] += 0.2
    np.fill_diagonal(t, 0.0)
    calls = []
    find_root = solve.find_root
    monkeypatch.setattr(solve, "find_root", lambda *a, **k: calls.append(1) or find_root(*a, **k))
    first = solve.solve_model(model, solve.Shock(t=t))
    # one program: the solve and, at its root, the checks, margins and outcomes
    assert calls == [1] and [p.name.split("-")[0] for p in program_dir.glob("*.jaxexport")] == ["_solved"]
    _jax._PROGRAMS.clear()  # as in a new process
    again = solve.solve_model(model, solve.Shock(t=t))
    assert calls == [1]
    assert again.converged and again.steps == first.steps and again.checks == first.checks
    for k, v in first.outcomes.items():
        np.testing.assert_array_equal(again.outcomes[k], v, err_msg=k)
    usa = world2023.index("USA")
    assert first.outcomes["welfare_pct"][usa] > 0 > first.outcomes["welfare_pct"][world2023.index("CHN")]
    # the strategic layer's solves run the same stored program, without the checks and outcomes
    root = solve.root_of(model, model.initial_guess(), solve.Shock(t=t))
    assert calls == [1] and len(list(program_dir.glob("*.jaxexport"))) == 1
    np.testing.assert_array_equal(np.asarray(root.value), np.asarray(first.y))


def test_the_start_up_benchmark_times_every_command_and_every_replication(monkeypatch):
    """``benchmarks/bench_startup.py`` has a case for each command of the CLI and each study ``replicate`` knows."""
    import importlib.util
    from pathlib import Path

    import typer.main

    from tradewar.cli import app
    from tradewar.cli._app import REPLICATIONS

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(folder))
    spec = importlib.util.spec_from_file_location("bench_startup", folder / "bench_startup.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    timed = [args for args, *_ in bench.CASES.values()]
    commands = sorted(typer.main.get_command(app).commands)
    assert len(commands) >= 14
    assert [c for c in commands if not any(args[:1] == [c] for args in timed)] == []
    assert [s for s in REPLICATIONS if not any(args[:2] == ["replicate", s] for args in timed)] == []
