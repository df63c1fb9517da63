"""JAX set-up: float64 everywhere, CPU, the persistent compilation cache and traced programs.

Imported lazily by the numerical modules so that ``tradewar --help`` stays fast.

A solve in a fresh process pays twice before any arithmetic: *tracing* (running the Python of the
model and of the solver to record the program, about half a second for a standard solve) and
*compilation* by XLA (seconds). The persistent compilation cache of JAX (``TRADEWAR_CACHE_DIR``, by
default ``~/.cache/tradewar/jax``; the empty string turns it off) removes the second on later runs.
:func:`cached_call` removes the first: it stores the traced program of a function, serialised with
:mod:`jax.export` (StableHLO), beside the compilation cache and calls the stored program in later
processes. The program's compiled executable is stored with it
(:mod:`jax.experimental.serialize_executable`) and loaded directly in later processes: JAX's own cache
would first lower the stored program again and hash it to find its executable, 30-70 ms for the solver
program of the 32-region world in every command. A stored program or executable is found only for the
same function, the same static arguments, the same array shapes and dtypes, the same source code of
tradewar and the same versions of JAX and its libraries (an executable also for the same XLA options, JAX
settings and processor; where the system does not describe its processor, none is stored and JAX's cache
keeps it), so a stale one is never run. The programs' folder is private to the user (0700), and each file
starts with the SHA-256 of what it holds, checked before it is loaded: a truncated or corrupted file is
traced or compiled again, never run. Loading an executable runs what its file holds, as JAX's own
compilation cache does: none is stored or loaded where another user could have written it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)


from ._cache import cache_dir, private_folder, source_digest  # noqa: E402

_dir = cache_dir()
if _dir is not None:
    try:
        _dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        jax.config.update("jax_compilation_cache_dir", str(_dir))
        # small programs too: loading one takes milliseconds where compiling it takes a tenth of a second
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.05)
    except OSError:  # a read-only home must not stop a solve
        pass

import jax.numpy as jnp  # noqa: E402

__all__ = ["jax", "jnp", "cached_call", "stored", "on_device"]

#: Libraries whose code ends up in a traced program (their versions are part of its key).
_TRACED_LIBRARIES = ("jax", "jaxlib", "equinox", "lineax")
_log = logging.getLogger(__name__)
#: Traced programs of this process, by (function, tree structure, static values, shapes and dtypes).
_PROGRAMS: dict[Any, Any] = {}
#: XLA's options for every stored program: the CPU backend's loop emitters for fused elementwise work
#: instead of its newer MLIR fusion emitters. On the 2-core Intel Xeon machine the solver of the 32-region
#: world then compiles in 2.2 s instead of 3.1 s and the derivative programs of ``optimal`` in 0.9 s instead
#: of 2.2 s, and the 194-country solve runs as fast (docs/benchmarks.md).
PROGRAM_OPTIONS = {"xla_cpu_use_fusion_emitters": False}
#: XLA's options for the programs of :func:`stored` functions declared ``quick``: kernels compiled without
#: LLVM's optimisations (and with the loop emitters of :data:`PROGRAM_OPTIONS`). The derivative programs of
#: the strategic layer (value, gradient and Hessian of welfare at a root) then compile in about 60% of the
#: time (2.4 s against 1.4 s for 32 regions) and run about 0.3 ms slower, a few dozen times per command; they
#: are quick only where their work is that small (Ossa's Hessian of 198 tariffs runs 31-56 ms quick against
#: 8-10 ms optimised). The solver, which runs thousands of times, is not quick.
QUICK_OPTIONS = {**PROGRAM_OPTIONS, "xla_backend_optimization_level": 0}
#: The functions whose programs are compiled with :data:`QUICK_OPTIONS`: True, or a test of the call's
#: arguments (where the program's run time grows with their shapes).
_QUICK: dict[Callable, bool | Callable[..., bool]] = {}


@functools.cache
def _code_digest() -> str:
    """Hash of tradewar's source files and of the traced libraries' versions and places.

    Read from the installed packages' metadata, without importing them: a one-sector solve never imports
    lineax, which would cost about a tenth of a second of every command.
    """
    import importlib.metadata
    import importlib.util

    h = hashlib.sha256(source_digest().encode())
    for name in _TRACED_LIBRARIES:
        spec = importlib.util.find_spec(name)
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = None
        h.update(f"{name}=={version} at {spec.origin if spec else None}".encode())
    h.update(f"x64={jax.config.jax_enable_x64} backend={jax.default_backend()}".encode())
    return h.hexdigest()


def _static_name(value: Any) -> Any:
    """A module-level function as ``module.qualname`` (its repr names its address, new in every process)."""
    qualname = getattr(value, "__qualname__", None)
    if callable(value) and isinstance(qualname, str) and "<" not in qualname and hasattr(value, "__module__"):
        return f"{value.__module__}.{qualname}"
    return value


def _program_path(fn: Callable, treedef: Any, static_def: Any, static_leaves: tuple, avals: tuple) -> Path | None:
    """Where the traced program of this call is stored; None when it cannot be named reliably."""
    if _dir is None:
        return None
    static_names = tuple(_static_name(v) for v in static_leaves)
    text = repr((fn.__module__, fn.__qualname__, str(treedef), str(static_def), static_names, avals))
    if " at 0x" in text:  # a static value printed by its address differs in every process
        return None
    code = _code_digest()
    digest = hashlib.sha256((text + code).encode()).hexdigest()[:32]
    return _dir / "programs" / f"{fn.__name__}-{code[:12]}-{digest}.jaxexport"


#: The first line of a stored program: this tag and the SHA-256 of the bytes after the line.
_MAGIC = b"tradewar-program sha256="


def _verified(blob: bytes) -> bytes | None:
    """The program bytes of a stored file whose recorded hash matches them, else None."""
    head, sep, data = blob.partition(b"\n")
    if not sep or not head.startswith(_MAGIC):
        return None
    return data if hashlib.sha256(data).hexdigest().encode() == head[len(_MAGIC):] else None


def _load(path: Path | None, avals: tuple):
    if path is None or not path.is_file():
        return None
    try:
        data = _verified(path.read_bytes())
        if data is None:  # not what was stored: traced again and replaced
            return None
        exp = jax.export.deserialize(bytearray(data))
    except Exception:  # an unreadable or truncated file is traced again and replaced
        return None
    if tuple((tuple(a.shape), str(a.dtype)) for a in exp.in_avals) != avals:
        return None
    return exp


def _store(path: Path | None, exp) -> None:
    """Write the program atomically (:func:`_write`)."""
    if path is not None:
        try:
            _write(path, bytes(exp.serialize()))
        except (ValueError, TypeError):
            return  # a program that cannot be serialised


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` atomically behind its hash, then remove this function's files stored by other code versions."""
    from ._exceptions import TradewarError
    from ._io import atomic_write

    try:
        private_folder(path.parent)
        blob = _MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data
        atomic_write(path, lambda fh: fh.write(blob), "wb")
        name, code = path.name.split("-")[:2]
        for old in path.parent.glob(f"{name}-*"):
            if old.name.split("-")[1] != code:  # never found again: its code or libraries changed
                old.unlink(missing_ok=True)
    except (OSError, TradewarError):
        return  # a read-only cache


@functools.cache
def _processor() -> str | None:
    """The processor's model and instruction-set flags (an executable runs only on the kind it was compiled for);
    None where the system does not tell them (``/proc/cpuinfo``): no executable is stored there."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return None
    lines = [line for line in text.splitlines() if line.startswith(("model name", "flags", "Features", "CPU part"))]
    return "\n".join(dict.fromkeys(lines)) or None


#: JAX's settings that change the options it compiles a program with (JAX's own cache key includes them).
_COMPILE_SETTINGS = ("jax_optimization_level", "jax_memory_fitting_level", "jax_exec_time_optimization_effort",
                     "jax_memory_fitting_effort", "jax_use_shardy_partitioner", "jax_enable_x64")


def _executable_path(path: Path | None, options: dict) -> Path | None:
    """Where the compiled executable of the program stored at ``path`` is stored, for these XLA options; None where
    none is stored (no program path, or a processor the system does not describe)."""
    if path is None or (processor := _processor()) is None or (path.parent.exists() and not _own(path.parent)):
        return None
    settings = [(name, str(getattr(jax.config, name, None))) for name in _COMPILE_SETTINGS]
    key = repr((sorted(options.items()), os.environ.get("XLA_FLAGS", ""), jax.devices()[0].client.platform_version,
                processor, settings))
    return path.with_name(f"{path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.xla")


class _Pickler(pickle.Pickler):
    """Pickles a compiled program with its pytrees; equinox's marker of an absent field is kept by reference
    (unpickled as a copy, the modules it marks would no longer rebuild)."""

    def persistent_id(self, obj: Any) -> Any:
        from equinox._module._flatten import MISSING

        return "equinox.MISSING" if obj is MISSING else None


#: What the pytrees of a stored executable refer to besides the classes of their nodes (tradewar's, equinox's).
_TREE_GLOBALS = {("jax._src.tree_util", "default_registry"), ("jax._src.tree_util", "tracing_registry"),
                 ("jaxlib._jax.pytree", "PyTreeDef")}


class _Unpickler(pickle.Unpickler):
    """Unpickles what :class:`_Pickler` wrote: the compiled program (bytes, which JAX unpickles) and its pytrees,
    which refer to JAX's pytree registries and to classes of tradewar and equinox only."""

    def find_class(self, module: str, name: str) -> Any:
        found = super().find_class(module, name) if (
            (module, name) in _TREE_GLOBALS or module.split(".")[0] in ("tradewar", "equinox")) else None
        if found is None or ((module, name) not in _TREE_GLOBALS and not isinstance(found, type)):
            raise pickle.UnpicklingError(f"unexpected reference {module}.{name}")
        return found

    def persistent_load(self, pid: Any) -> Any:
        if pid != "equinox.MISSING":
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        from equinox._module._flatten import MISSING

        return MISSING


def _load_executable(path: Path | None, name: str):
    """The compiled program ``name`` stored at ``path``, loaded and callable; None when there is none that can be
    loaded. Each load is logged (``tradewar._jax``, DEBUG) under the name JAX's logs give the program."""
    if path is None or not path.is_file() or not _own(path):  # (its folder is checked by _executable_path)
        return None
    try:
        data = _verified(path.read_bytes())
        if data is None:  # not what was stored: compiled again and replaced
            return None
        from jax._src.lax import linalg
        from jax.experimental import serialize_executable

        # JAX points its LAPACK kernels at SciPy's when it lowers a program that calls them; a loaded one is not lowered
        linalg.initialize_lapack()
        payload, in_tree, out_tree = _Unpickler(io.BytesIO(data)).load()
        compiled = serialize_executable.deserialize_and_load(
            payload, in_tree, out_tree, execution_devices=jax.devices()[:1])
    except Exception:  # an unreadable file, or one another version wrote: compiled again and replaced
        return None
    _log.debug("Loaded the stored executable of 'jit_%s'", name)
    return compiled


def _own(path: Path) -> bool:
    """Whether ``path`` belongs to this user and no one else may write it (POSIX; elsewhere True): loading an
    executable runs what its file holds, so none is stored or loaded where another user could have written it."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == getuid() and not st.st_mode & 0o022


def _store_executable(path: Path | None, compiled) -> None:
    """Write the compiled program with its input and output trees atomically (:func:`_write`)."""
    if path is None:
        return
    try:
        from jax.experimental import serialize_executable

        buffer = io.BytesIO()
        _Pickler(buffer).dump(serialize_executable.serialize(compiled))
    except Exception:  # an executable that cannot be serialised is compiled again in the next process
        return
    _write(path, buffer.getvalue())


def _export(jitted: Callable, avals: tuple):
    """``jax.export`` of a jitted function, allowing the LAPACK kernels that JAX makes no promise about.

    JAX refuses to serialise calls to kernels whose interface may change between jaxlib versions (the
    QR factorisation of a GMRES solve, for example); a stored program is found only by the jaxlib that
    wrote it (its versions are part of the key), so such a kernel is always the one it was written for.
    """
    import re

    args = [jax.ShapeDtypeStruct(s, d) for s, d in avals]
    try:
        return jax.export.export(jitted)(*args)
    except ValueError as e:
        if "no compatibility guarantees" not in str(e):
            raise
        names = sorted(set(re.findall(r"custom_call @(\w+)", str(e))))
        if not names:
            raise
    checks = [jax.export.DisabledSafetyCheck.custom_call(name) for name in names]
    return jax.export.export(jitted, disabled_checks=checks)(*args)


def _named(call: Callable, name: str) -> Callable:
    def program(*arrays: Any) -> Any:
        return call(*arrays)

    program.__name__ = program.__qualname__ = name
    return program


def on_device(a: Any, dtype: Any = None) -> jax.Array:
    """``a`` (an array, a list or a number) as a JAX array, copied without a compiled program.

    ``jnp.asarray`` of host data runs a small program of its own, compiled once per shape and dtype in every
    process (5 to 35 ms each); ``jax.device_put`` copies the buffer. A JAX array of that dtype is returned
    as it is.

    >>> on_device([1.0, 2.0]).dtype, on_device(3, "float64").shape
    (dtype('float64'), ())
    """
    import numpy as np

    if isinstance(a, jax.Array) and (dtype is None or a.dtype == np.dtype(dtype)):
        return a
    return jax.device_put(np.asarray(a, dtype=dtype))


def cached_call(fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` compiled, as ``equinox.filter_jit(fn)(*args)``, through stored traced programs.

    Arrays among ``args`` (JAX or NumPy, anywhere in a pytree such as a model) are the inputs of the
    program; every other value (floats, strings, static fields) is fixed in it, as under
    ``filter_jit``. ``fn`` must return a pytree of dicts, lists and tuples of arrays. The first call
    traces ``fn``, exports the program (:func:`jax.export.export`) and compiles it; program and executable
    are stored in the cache folder and found again by later processes, which then load the executable
    (or, for other XLA options, compile the stored program) without tracing. A function that cannot be
    exported is simply compiled with ``filter_jit``. The result is the same either way.

    Examples
    --------
    >>> import numpy as np
    >>> def scaled(x, k):
    ...     return {"y": x * k}
    >>> cached_call(scaled, np.arange(3.0), 2.0)["y"].tolist()
    [0.0, 2.0, 4.0]
    """
    import equinox as eqx

    # the key of this process's programs from one flatten of the arguments: arrays are inputs (their shapes
    # and dtypes count), every other leaf is fixed in the program (its value counts)
    leaves, treedef = jax.tree.flatten(args)
    arrays, mask, static_leaves, shapes = [], [], [], []
    for x in leaves:
        if eqx.is_array(x):
            arrays.append(x)
            shapes.append((x.shape, x.dtype))
            mask.append(True)
        else:
            static_leaves.append(x)
            mask.append(False)
    if any(isinstance(x, jax.core.Tracer) for x in arrays):  # inside a trace: part of the program being traced
        return eqx.filter_jit(fn)(*args)
    try:
        key = (fn, treedef, tuple(mask), tuple(static_leaves), tuple(shapes))
        program = _PROGRAMS.get(key, False)
    except TypeError:  # an unhashable static value: compiled as filter_jit would
        return eqx.filter_jit(fn)(*args)
    if program is False:
        program = _program(fn, args)
        _PROGRAMS[key] = program
    if program is None:
        return eqx.filter_jit(fn)(*args)
    return program(*arrays)


def _program(fn: Callable, args: tuple) -> Any:
    """The compiled program of ``fn(*args)`` over the arrays of ``args``: stored, loaded or traced; None when
    it cannot be exported (it is then compiled with ``filter_jit``)."""
    import equinox as eqx

    dyn, static = eqx.partition(args, eqx.is_array)
    leaves, treedef = jax.tree.flatten(dyn)
    static_leaves, static_def = jax.tree.flatten(static)
    avals = tuple((tuple(a.shape), str(a.dtype)) for a in leaves)
    path = _program_path(fn, treedef, static_def, tuple(static_leaves), avals)
    quick = _QUICK.get(fn, False)
    options = QUICK_OPTIONS if (quick(*args) if callable(quick) else quick) else PROGRAM_OPTIONS
    executable = _executable_path(path, options)
    # the name of a program whose executable is stored, which shows in JAX's logs, carries the code's digest (see
    # _compile); one that JAX's cache keeps has the function's
    name = fn.__name__ if executable is None else f"{fn.__name__}_{path.name.split('-')[1]}"
    compiled = _load_executable(executable, name)
    if compiled is not None:
        return compiled
    exp = _load(path, avals)
    if exp is None:

        def flat(*arrays):
            return fn(*eqx.combine(jax.tree.unflatten(treedef, arrays), static))

        try:
            exp = _export(jax.jit(flat), avals)
        except Exception:  # not exportable (host callbacks, effects); a real error reappears below
            return None
        _store(path, exp)
    # compiled ahead of the call, for its executable to be stored. Every input is placed on the one device, so that
    # an array a program returned (committed to the device) and a fresh NumPy or JAX array (not committed) call the
    # same executable.
    device = jax.sharding.SingleDeviceSharding(jax.devices()[0])

    def jitted(name: str) -> Callable:
        return jax.jit(_named(exp.call, name), in_shardings=device, compiler_options=options)

    if executable is None:  # nothing to store: JAX's cache keeps the executable, as for any jitted function
        return jitted(name)
    try:
        compiled, fresh = _compile(jitted(name), [jax.ShapeDtypeStruct(s, d, sharding=device) for s, d in avals], name)
    except Exception:  # a real error, raised again by the call, under a name that no stored executable has
        return jitted(fn.__name__)
    if fresh:
        _store_executable(executable, compiled)
    return compiled


def _compile(jitted: Callable, specs: list, name: str) -> tuple[Any, bool]:
    """``(compiled, fresh)``: ``jitted`` (the program ``name``) compiled for ``specs``, and whether it may be stored.

    Only an executable XLA compiled can be stored (:func:`_store_executable`): one that JAX's persistent cache loaded
    serialises without the code of some of its kernels, and fails where a later process runs it. JAX's cache is
    therefore kept from writing these programs (a setting of this thread only), and their names carry the code's
    digest, so that it holds none from an earlier version either. Where the setting is missing, or JAX's cache
    holds the program all the same, the executable is not fresh and is not stored.
    """
    try:
        from jax._src import config

        unwritten = config.persistent_cache_min_compile_time_secs(float("inf"))
    except Exception:
        return jitted.lower(*specs).compile(), False
    with unwritten:
        compiled = jitted.lower(*specs).compile()
    cache = jax.config.jax_compilation_cache_dir
    held = bool(cache) and any(Path(cache).glob(f"jit_{name}-*"))  # JAX's cache files: jit_NAME-KEY-cache
    return compiled, not held


def stored(fn: Callable | None = None, *, quick: bool | Callable[..., bool] = False) -> Callable:
    """Decorator: ``fn`` compiled through :func:`cached_call` (a stored traced program), defaults applied.

    Use it instead of ``equinox.filter_jit`` for the functions a command calls at top level: a later
    process then neither traces nor compiles them (the programs' folder holds the executable). Keyword
    arguments are bound to their positions, so ``f(x, tol=1e-9)`` and ``f(x, 1e-9)`` are one program.
    ``@stored(quick=True)`` compiles the program with :data:`QUICK_OPTIONS`: for programs that run a few
    times per command, where compile time counts more than run time. ``quick`` may also be a test of the arguments (called with them as ``fn`` is, once
    per program): a program whose work grows with the shapes of its arguments is then compiled quickly
    where it is small and optimised where a run would cost more than the optimisation.
    """
    import inspect

    if fn is None:
        return functools.partial(stored, quick=quick)
    if quick:
        _QUICK[fn] = quick

    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return cached_call(fn, *bound.args)

    return call


@functools.lru_cache(maxsize=32)
def zeros(n: int) -> jax.Array:
    """``n`` zeros (float64) on the device, made once per process: a model's baseline guess (every hat 1).

    A host array put on the device, not ``jnp.zeros`` (which would run a small compiled program in every
    process); JAX arrays are immutable and no tradewar program donates its inputs, so one array serves
    every solve.
    """
    import numpy as np

    return jax.device_put(np.zeros(int(n)))

