"""Doctests run over src/zhnorm; the optional Ray adapter is skipped where Ray is not installed."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("ray") else ["src/zhnorm/ray.py"]
