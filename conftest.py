"""Test session set-up shared by tests/ and the doctests in src/zhnorm.

The compiled-automaton cache goes to a temporary directory for the whole session (subprocesses
inherit it), so tests never write to the user's ~/.cache. The optional Ray adapter's doctests are
skipped where Ray is not installed.
"""

import atexit
import importlib.util
import os
import shutil
import tempfile

if "ZHNORM_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="zhnorm-test-cache-")
    os.environ["ZHNORM_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)

collect_ignore = [] if importlib.util.find_spec("ray") else ["src/zhnorm/ray.py"]
