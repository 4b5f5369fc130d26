"""Targets: the scripts zhnorm converts to, declared as data over OpenCC configs.

Each target names its script and the OpenCC config that converts Simplified
sources and the one that converts Traditional sources to it (``None``: that
source script is already the target's). Adding a target is one row.

>>> TARGETS["tw"].from_hans, TARGETS["tw"].from_hant
('s2tw', 't2tw')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TARGETS", "Target"]


@dataclass(frozen=True)
class Target:
    """A conversion target."""

    #: ``"hans"`` (Simplified) or ``"hant"`` (Traditional).
    script: str
    #: The OpenCC config converting Simplified text to this target.
    from_hans: str | None
    #: The OpenCC config converting Traditional text to this target.
    from_hant: str | None
    description: str

    @property
    def foreign(self) -> str | None:
        """The config for text in the other script than the target's."""
        return self.from_hant if self.script == "hans" else self.from_hans


TARGETS: dict[str, Target] = {
    "hans": Target("hans", None, "t2s", "Simplified Chinese (OpenCC standard)"),
    "hant": Target("hant", "s2t", None, "Traditional Chinese (OpenCC standard)"),
    "tw": Target("hant", "s2tw", "t2tw", "Traditional Chinese, Taiwan standard characters"),
    "hk": Target("hant", "s2hk", "t2hk", "Traditional Chinese, Hong Kong standard characters"),
    "cn": Target("hans", None, "tw2sp", "Simplified Chinese with mainland phrases"),
    "twp": Target("hant", "s2twp", "t2tw", "Traditional Chinese, Taiwan characters and phrases"),
}
