"""Country names, codes and demonyms."""
from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

from warlog.geo.names import normalise_name

__all__ = ["to_iso2", "demonyms", "demonym_country"]


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Normalised demonym (singular and plural) -> ISO2."""
    out: dict[str, str] = {}
    path = resources.files("warlog") / "data" / "places_demonyms.csv"
    with path.open(encoding="utf-8") as f:
        rows = [line for line in f if line.strip() and not line.startswith("#")]
    for rec in csv.DictReader(rows):
        d, cc = rec["demonym"].strip(), rec["country"].strip()
        for form in {d, d + "s", d + "es"} if not d.endswith(("ese", "ish", "ch", "i", "ss")) else {d, d + "s"}:
            out.setdefault(normalise_name(form), cc)
    return out


def demonym_country(text: str) -> str | None:
    return demonyms().get(normalise_name(text))


_EXTRA = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "usa": "US", "us": "US",
    "united states": "US", "america": "US", "drc": "CD", "dr congo": "CD", "democratic republic of congo": "CD",
    "congo kinshasa": "CD", "congo brazzaville": "CG", "republic of congo": "CG", "ivory coast": "CI",
    "palestine": "PS", "palestinian territories": "PS", "kosovo": "XK", "russia": "RU", "syria": "SY",
    "iran": "IR", "laos": "LA", "vietnam": "VN", "south korea": "KR", "north korea": "KP", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "turkey": "TR", "turkiye": "TR", "czech republic": "CZ",
    "macedonia": "MK", "burma": "MM", "east timor": "TL", "cape verde": "CV", "swaziland": "SZ",
    "eswatini": "SZ", "micronesia": "FM", "vatican": "VA", "taiwan": "TW", "brunei": "BN",
}


@lru_cache(maxsize=1024)
def to_iso2(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code of a country given by name, alpha-2 or alpha-3 code; None if unknown."""
    if not value or not str(value).strip():
        return None
    v = str(value).strip()
    import pycountry

    if len(v) == 2 and v.isalpha():
        c = pycountry.countries.get(alpha_2=v.upper())
        if c is not None:
            return c.alpha_2
        if v.upper() == "XK":
            return "XK"
    if len(v) == 3 and v.isalpha() and v.isupper():
        c = pycountry.countries.get(alpha_3=v)
        if c is not None:
            return c.alpha_2
    key = normalise_name(v)
    if key in _EXTRA:
        return _EXTRA[key]
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            n = getattr(c, attr, None)
            if n and normalise_name(n) == key:
                return c.alpha_2
    try:
        return pycountry.countries.lookup(v).alpha_2
    except LookupError:
        pass
    try:
        hits = pycountry.countries.search_fuzzy(v)
        if len(hits) == 1:
            return hits[0].alpha_2
    except LookupError:
        pass
    return None
