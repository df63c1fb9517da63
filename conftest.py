"""Collection of the doctests in ``src/tradewar`` (``testpaths`` in pyproject.toml).

Modules that need an optional extra (``web``: FastAPI) are not imported when the extra is absent; the
tests of ``tests/`` that use them fail or skip on their own terms.
"""

from __future__ import annotations

import importlib.util

#: optional extra -> the source paths that import it at module level
_OPTIONAL = {"fastapi": ["src/tradewar/web/*.py"]}

collect_ignore_glob = [path for mod, paths in _OPTIONAL.items() if importlib.util.find_spec(mod) is None for path in paths]
