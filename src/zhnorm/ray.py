"""Ray Data adapter: normalise named string columns with ``Dataset.map_batches``.

Install with ``pip install 'zhnorm[ray]'``. :class:`NormalizeBatch` is a callable
class, so Ray runs it in an actor pool and each worker builds its
:class:`~zhnorm.Normalizer` (and the converters behind it) once::

    import ray
    from zhnorm.ray import NormalizeBatch

    ds = ray.data.read_json("crawl.jsonl")
    ds = ds.map_batches(
        NormalizeBatch,
        fn_constructor_kwargs={"columns": ["text", "meta.title"], "to": "hans"},
        compute=ray.data.ActorPoolStrategy(size=2),
        num_cpus=0.5,
        batch_size=1024,
    )

:func:`normalize_dataset` does the same in one call and checks the settings on
the driver first, so a typo fails at once instead of inside every actor.

Batches may be Ray's default format (a dict of NumPy arrays), pandas
DataFrames or Arrow tables. ``None`` and other missing values stay as they
are; a dotted name (``meta.title``) reaches into struct columns. The batch
logic needs no cluster:

>>> import numpy as np
>>> fix = NormalizeBatch(columns=["text"], to="hant")
>>> out = fix({"id": np.array([1, 2]), "text": np.array(["简体中文", None], dtype=object)})
>>> out["text"].tolist(), out["id"].tolist()
(['簡體中文', None], [1, 2])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

try:
    import ray.data
except ImportError as exc:  # fail here, with the install hint, not deep inside Ray
    raise ImportError("zhnorm.ray needs Ray Data: pip install 'zhnorm[ray]'") from exc

from zhnorm.pipeline import Normalizer

__all__ = ["NormalizeBatch", "normalize_dataset"]

# Text that passes through every stage: normalising it once in the constructor
# builds the per-process converters before the first batch arrives.
_WARM_UP = "ä¸­æ–‡ 简体中文 繁體中文"

_Paths = tuple[tuple[str, ...], ...]


class NormalizeBatch:
    """Normalise the string columns ``columns`` of each batch given to ``__call__``.

    ``normalizer`` is a ready :class:`~zhnorm.Normalizer`; otherwise the other
    keyword arguments (``to``, ``opencc``, ``skip``, ...) build one. The input
    batch is not modified: a new batch of the same format is returned, with the
    named columns replaced and the others passed through as they are.

    A name is a column of the batch, or else a dotted path into a struct
    (dict) column. A name that is neither raises ``KeyError``; a value that is
    neither a string nor missing (``None``, NaN, ``pd.NA``) raises ``TypeError``.
    """

    def __init__(
        self,
        columns: str | Sequence[str],
        *,
        normalizer: Normalizer | None = None,
        **settings: Any,
    ) -> None:
        if isinstance(columns, str):
            columns = [columns]
        if not columns:
            raise ValueError("NormalizeBatch needs at least one column name")
        if normalizer is not None and settings:
            raise ValueError("give either normalizer= or settings such as to=, not both")
        self.columns: tuple[str, ...] = tuple(columns)
        self.normalizer: Normalizer = normalizer if normalizer is not None else Normalizer(**settings)
        self.normalizer.normalize(_WARM_UP)

    def __repr__(self) -> str:
        return f"NormalizeBatch(columns={list(self.columns)!r}, normalizer={self.normalizer!r})"

    def __call__(self, batch: Any) -> Any:
        """Normalise one batch: a dict of arrays, a pandas DataFrame or an Arrow table."""
        if isinstance(batch, dict):
            return self._numpy(batch)
        module = type(batch).__module__
        if module.startswith("pandas"):
            return self._pandas(batch)
        if module.startswith("pyarrow"):
            return self._arrow(batch)
        raise TypeError(f"unsupported batch type {type(batch).__name__}: use numpy, pandas or pyarrow")

    # --- formats ---------------------------------------------------------------

    def _numpy(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        out = dict(batch)
        for column, paths in self._plan(list(batch)).items():
            values = self._fix_column(column, paths, batch[column])
            array = np.empty(len(values), dtype=object)
            array[:] = values
            out[column] = array
        return out

    def _pandas(self, frame: Any) -> Any:
        import pandas as pd

        out = frame.copy(deep=False)
        for column, paths in self._plan(list(frame.columns)).items():
            series = frame[column]
            values = self._fix_column(column, paths, series)
            try:  # keep the column's dtype (string[pyarrow], a struct ArrowDtype, ...)
                out[column] = pd.Series(values, index=series.index, dtype=series.dtype, name=column)
            except (TypeError, ValueError):
                out[column] = pd.Series(values, index=series.index, name=column)
        return out

    def _arrow(self, table: Any) -> Any:
        import pyarrow as pa

        for column, paths in self._plan(list(table.column_names)).items():
            chunked = table.column(column)
            values = self._fix_column(column, paths, chunked.to_pylist())
            index = table.column_names.index(column)
            table = table.set_column(index, column, pa.array(values, type=chunked.type))
        return table

    # --- values ----------------------------------------------------------------

    def _plan(self, names: list[str]) -> dict[str, _Paths]:
        """Map each batch column to touch to the key paths inside it (``()``: the value itself)."""
        plan: dict[str, list[tuple[str, ...]]] = {}
        for name in self.columns:
            if name in names:
                column, path = name, ()
            else:
                head, *rest = name.split(".")
                if not rest or head not in names:
                    raise KeyError(f"column {name!r} is not in the batch (columns: {', '.join(names)})")
                column, path = head, tuple(rest)
            plan.setdefault(column, []).append(path)
        return {column: tuple(paths) for column, paths in plan.items()}

    def _fix_column(self, column: str, paths: _Paths, values: Any) -> list[Any]:
        if paths == ((),):  # the common case: a plain string column, normalized as one batch
            out = list(values)
            strings: list[int] = []
            for k, value in enumerate(out):
                if isinstance(value, str):
                    strings.append(k)
                elif not _missing(value):
                    raise _not_a_string(column, value)
            fixed = self.normalizer.normalize_batch([out[k] for k in strings])
            for k, value in zip(strings, fixed, strict=True):
                out[k] = value
            return out
        return [self._fix_value(column, paths, value) for value in values]

    def _fix_value(self, name: str, paths: _Paths, value: Any) -> Any:
        if _missing(value):
            return value
        if () in paths:
            if not isinstance(value, str):
                raise _not_a_string(name, value)
            return self.normalizer.normalize(value)
        if not isinstance(value, dict):
            raise TypeError(f"field {name!r} is {type(value).__name__}, not a struct")
        fixed = dict(value)
        for key in dict.fromkeys(path[0] for path in paths):
            if key in fixed:
                inner = tuple(path[1:] for path in paths if path[0] == key)
                fixed[key] = self._fix_value(f"{name}.{key}", inner, fixed[key])
        return fixed


def _missing(value: Any) -> bool:
    """None, a float NaN (NumPy's too) or pandas' ``NA``/``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _not_a_string(name: str, value: Any) -> TypeError:
    return TypeError(f"column {name!r} holds a {type(value).__name__}, not a string")


def normalize_dataset(
    dataset: ray.data.Dataset,
    columns: str | Sequence[str],
    *,
    workers: int | tuple[int, int] = 1,
    num_cpus: float | None = None,
    batch_size: int | str | None = 1024,
    batch_format: str = "default",
    normalizer: Normalizer | None = None,
    **settings: Any,
) -> ray.data.Dataset:
    """``dataset`` with ``columns`` normalised by a pool of ``workers`` actors.

    ``workers`` is a fixed pool size or a ``(min, max)`` autoscaling range;
    ``num_cpus`` is what each actor reserves (Ray's default is 1: on a small
    machine give less, e.g. ``0.5``, so the read tasks still get a CPU). The
    settings are checked here, on the driver, before any actor starts.
    """
    if normalizer is None:
        normalizer = Normalizer(**settings)
    elif settings:
        raise ValueError("give either normalizer= or settings such as to=, not both")
    if isinstance(workers, int):
        compute = ray.data.ActorPoolStrategy(size=workers)
    else:
        compute = ray.data.ActorPoolStrategy(min_size=workers[0], max_size=workers[1])
    options: dict[str, Any] = {} if num_cpus is None else {"num_cpus": num_cpus}
    return dataset.map_batches(
        NormalizeBatch,
        fn_constructor_kwargs={"columns": columns, "normalizer": normalizer},
        compute=compute,
        batch_size=batch_size,
        batch_format=batch_format,
        **options,
    )
