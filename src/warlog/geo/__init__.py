"""Places: the built-in gazetteer, names as written, finding and resolving places in text.

Submodules load lazily so that `from warlog.geo import Gazetteer` does not import spaCy.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Gazetteer": "gazetteer", "build_gazetteer": "gazetteer", "default_gazetteer": "gazetteer",
    "ResolvedMention": "matcher", "find_place_mentions": "matcher", "road_between": "matcher",
    "PlaceMatcher": "matcher", "normalise_name": "names", "skeleton": "names",
    "places": "batch", "geocode": "batch", "to_iso2": "countries",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'warlog.geo' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{mod}", __name__), name)
