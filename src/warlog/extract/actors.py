"""Actor dictionary: find actor mentions in text and resolve them to ACLED-style names.

The dictionary lives in ``data/actors.yaml`` (schema documented at the top of that file);
users can pass extra YAML files of the same shape that extend or override it.

    >>> d = ActorDictionary.load()
    >>> [m.actor.name for m in d.find("Syrian troops shelled the village.", country="Syria")]
    ['Military Forces of Syria (2000-2024)']

Matching uses two compiled trie-regexes (one case-insensitive, one case-sensitive for
acronyms such as "IS", "SDF", "AA"), so a document is scanned twice in C, whatever the size
of the dictionary.  Mentions are leftmost-longest and non-overlapping.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import yaml

from warlog import rules
from warlog.records import Actor, ActorMention

__all__ = [
    "DEFAULT_PATH",
    "ActorDictionary",
    "ActorDictionaryError",
    "Period",
    "acled_country_name",
    "fallback",
    "find",
    "resolve",
]

DEFAULT_PATH = Path(__file__).parents[1] / "data" / "actors.yaml"
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ActorDictionaryError(ValueError):
    """A dictionary file is malformed; the message names the file and the entry."""


# --------------------------------------------------------------------------- country names

# ISO alpha-2 -> the name ACLED writes.
_ISO_OVERRIDES = {
    "CD": "Democratic Republic of Congo",
    "CG": "Republic of Congo",
    "CI": "Ivory Coast",
    "RU": "Russia",
    "SY": "Syria",
    "IR": "Iran",
    "PS": "Palestine",
    "KR": "South Korea",
    "KP": "North Korea",
    "LA": "Laos",
    "VN": "Vietnam",
    "VE": "Venezuela",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "MD": "Moldova",
    "TR": "Turkey",
    "CZ": "Czech Republic",
    "TW": "Taiwan",
    "FM": "Micronesia",
    "BN": "Brunei",
    "CV": "Cape Verde",
    "SZ": "eSwatini",
    "TL": "East Timor",
    "VA": "Vatican City",
    "MK": "North Macedonia",
    "GB": "United Kingdom",
    "US": "United States",
    "MM": "Myanmar",
    "XK": "Kosovo",
    "SX": "Sint Maarten",
    "MF": "Saint-Martin",
    "BL": "Saint-Barthelemy",
    "VI": "Virgin Islands, U.S.",
    "VG": "British Virgin Islands",
    "FK": "Falkland Islands",
    "KN": "Saint Kitts and Nevis",
    "VC": "Saint Vincent and the Grenadines",
    "CW": "Curacao",
    "RE": "Reunion",
    "BQ": "Caribbean Netherlands",
    "PN": "Pitcairn",
    "SH": "Saint Helena, Ascension and Tristan da Cunha",
}

# Other spellings -> ACLED's name (lower-case keys).
_NAME_OVERRIDES = {
    "drc": "Democratic Republic of Congo",
    "dr congo": "Democratic Republic of Congo",
    "d.r. congo": "Democratic Republic of Congo",
    "congo-kinshasa": "Democratic Republic of Congo",
    "congo (kinshasa)": "Democratic Republic of Congo",
    "democratic republic of the congo": "Democratic Republic of Congo",
    "congo-brazzaville": "Republic of Congo",
    "congo (brazzaville)": "Republic of Congo",
    "republic of the congo": "Republic of Congo",
    "burma": "Myanmar",
    "turkiye": "Turkey",
    "türkiye": "Turkey",
    "cote d'ivoire": "Ivory Coast",
    "côte d'ivoire": "Ivory Coast",
    "kosovo": "Kosovo",
    "palestinian territories": "Palestine",
    "palestinian territory": "Palestine",
    "occupied palestinian territory": "Palestine",
    "west bank": "Palestine",
    "gaza": "Palestine",
    "gaza strip": "Palestine",
    "uk": "United Kingdom",
    "great britain": "United Kingdom",
    "britain": "United Kingdom",
    "usa": "United States",
    "u.s.": "United States",
    "u.s.a.": "United States",
    "united states of america": "United States",
    "uae": "United Arab Emirates",
    "somaliland": "Somaliland",
    "eswatini": "eSwatini",
    "swaziland": "eSwatini",
    "east timor": "East Timor",
    "timor-leste": "East Timor",
    "cabo verde": "Cape Verde",
    "macedonia": "North Macedonia",
    "czechia": "Czech Republic",
    "the gambia": "Gambia",
    "the philippines": "Philippines",
    "north korea": "North Korea",
    "south korea": "South Korea",
    "russian federation": "Russia",
    "syrian arab republic": "Syria",
    "artsakh": "Azerbaijan",
    "international": "International",
}


@functools.lru_cache(maxsize=4096)
def acled_country_name(iso2_or_name: str) -> str:
    """The country name as ACLED writes it, from an ISO code (alpha-2/alpha-3) or a name.

    "SY" -> "Syria", "COD" -> "Democratic Republic of Congo", "Russian Federation" -> "Russia",
    "Côte d'Ivoire" -> "Ivory Coast".  An unknown name comes back as given (trimmed).
    """
    s = (iso2_or_name or "").strip()
    if not s:
        return s
    low = s.lower()
    if low in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[low]
    import pycountry

    try:
        c = pycountry.countries.lookup(s)
    except LookupError:
        return s.title() if s.islower() else s
    if c.alpha_2 in _ISO_OVERRIDES:
        return _ISO_OVERRIDES[c.alpha_2]
    return getattr(c, "common_name", None) or c.name


# --------------------------------------------------------------------------- text normalisation

_SEP_CHARS = "\\s\\-\u2010\u2011\u2012\u2013\u2014"
_SEP_RE = re.compile(f"[{_SEP_CHARS}]+")
_SEP_PATTERN = f"[{_SEP_CHARS}]+"
_APOS_PATTERN = "['\u2019\u2018]"


def _norm_cs(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'")
    return _SEP_RE.sub(" ", s).strip()


def _norm_ci(s: str) -> str:
    return _norm_cs(s).lower()


_CAPS_TOKEN = re.compile(r"[A-Z].*[A-Z]")  # a word with 2+ capitals: "IS", "U.S.", "LeT", "FAMa"


def _is_case_sensitive(alias: str) -> bool:
    """An alias containing an acronym ("IS", "SDF fighters", "U.S.", "LeT") is matched as written."""
    return any(_CAPS_TOKEN.search(t) for t in _norm_cs(alias).split(" "))


def _cs_forms(alias: str) -> set[str]:
    """Case variants of a case-sensitive alias: as written, lower words capitalised, all caps."""
    toks = _norm_cs(alias).split(" ")
    titled = " ".join(t if _CAPS_TOKEN.search(t) else t[:1].upper() + t[1:] for t in toks)
    return {" ".join(toks), titled, " ".join(toks).upper()}


# "<group> militants": a member noun after a named alias joins the mention.
_MEMBER_SUFFIX = ("(?:" + _SEP_PATTERN + "(?i:militants|fighters|forces|members|insurgents|gunmen|"
                  "jihadists|rebels|troops|elements|cells|cell|operatives|terrorists|militiamen|"
                  "militia|militias|units|combatants|guerrillas|supporters|loyalists)(?=\\W|$))?")

# Words an all-caps acronym can also be: in shouting text ("IS IT OVER?") they are ignored.
_COMMON_WORDS = frozenset(
    "a am an as at be by do go he if in is it me my no of on or so to up us we "
    "all and any are but can for had has her him his how its may new not now one our out "
    "she the too two was who why yes you fan".split()
)


def _trie_regex(words: Iterable[str], bounded: bool = True) -> str:
    """A regex alternation for the words, factored as a trie (fast, leftmost-longest)."""
    trie: dict = {}
    for w in words:
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def char(ch: str) -> str:
        if ch == " ":
            return _SEP_PATTERN
        if ch == "'":
            return _APOS_PATTERN
        return re.escape(ch)

    def emit(node: dict) -> str:
        alts = [char(ch) + emit(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return (body if len(alts) > 1 else "(?:" + body + ")") + "?"
        return body

    inner = "(?:" + (emit(trie) or r"(?!)") + ")"
    return r"(?<!\w)" + inner + r"(?!\w)" if bounded else inner


# --------------------------------------------------------------------------- entries

_PLACEHOLDERS = {"country", "the_country", "period"}
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_ENTRY_FIELDS = {
    "key", "base", "name", "inter", "country", "external_inter", "unit", "associate",
    "aliases", "demonym_aliases", "only_in", "periods", "variants",
}
_INHERITED = ("name", "inter", "country", "external_inter", "unit", "associate", "only_in",
              "periods", "variants")
_VARIANT_FIELDS = {"countries", "from", "to", "name", "inter", "base", "unit", "associate",
                   "country", "periods", "external_inter"}
_TOP_FIELDS = {"the_countries", "demonyms", "periods", "actors"}


@dataclass(frozen=True)
class Period:
    """A regime period of a state's forces, rendered "(2000-2024)" or "(2024-)"."""

    start: date
    end: date | None = None
    label: str | None = None

    def render(self, as_of: date | None = None) -> str:
        if self.label:
            return self.label
        closed = self.end is not None and (as_of is None or self.end <= as_of)
        return f"{self.start.year}-{self.end.year if closed else ''}"


@dataclass
class _Variant:
    countries: frozenset[str] | None
    start: date | None
    end: date | None
    overrides: dict[str, Any]


@dataclass
class _Entry:
    key: str
    name: str
    inter: int
    country: str | None = None
    external_inter: int | None = None
    unit: str | None = None
    associate: str | None = None
    only_in: frozenset[str] | None = None
    periods: tuple[Period, ...] | None = None
    variants: tuple[_Variant, ...] = ()
    aliases: tuple[str, ...] = ()
    demonym_aliases: tuple[str, ...] = ()


@dataclass
class _Raw:
    data: dict
    where: str  # "file: actors[i] (key='x')" for error messages


@dataclass(frozen=True)
class _Cand:
    key: str
    hint: str | None  # country named by a demonym in the mention


def _as_date(v: Any, err) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip())
        except ValueError:
            pass
    err(f"not a date (YYYY-MM-DD): {v!r}")
    return None  # unreachable


def _parse_periods(v: Any, err) -> tuple[Period, ...]:
    if not isinstance(v, list) or not v:
        err("periods must be a non-empty list of {from: DATE, to: DATE|null}")
    out = []
    for p in v:
        if not isinstance(p, dict) or "from" not in p or set(p) - {"from", "to", "label"}:
            err(f"bad period {p!r}: expected {{from: DATE, to: DATE|null, label: text}}")
        start = _as_date(p["from"], err)
        end = _as_date(p.get("to"), err)
        if end is not None and end < start:
            err(f"period ends before it starts: {p!r}")
        label = p.get("label")
        if label is not None and not isinstance(label, str):
            err(f"period label must be text: {p!r}")
        out.append(Period(start, end, label))
    return tuple(sorted(out, key=lambda p: p.start))


def _str_list(v: Any, what: str, err) -> list[str]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        err(f"{what} must be a list of non-empty strings, got {v!r}")
    return [x.strip() for x in v]


def _check_inter(v: Any, what: str, err) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 8:
        err(f"{what} must be an integer 1..8, got {v!r}")
    return v


def _check_template(v: Any, what: str, err) -> str:
    if not isinstance(v, str) or not v.strip():
        err(f"{what} must be non-empty text, got {v!r}")
    bad = [p for p in _PLACEHOLDER_RE.findall(v) if p not in _PLACEHOLDERS]
    if bad:
        err(f"{what} {v!r} has unknown placeholder(s) {bad}; allowed: {sorted(_PLACEHOLDERS)}")
    return v


# --------------------------------------------------------------------------- the dictionary


class ActorDictionary:
    """Aliases -> ACLED actors; see the module docstring and data/actors.yaml."""

    def __init__(self, entries: dict[str, _Entry], demonyms: dict[str, str],
                 periods: dict[str, tuple[Period, ...]], the_countries: set[str],
                 sources: list[Path]):
        self.entries = entries
        self.demonyms = demonyms
        self.periods = periods
        self.the_countries = the_countries
        self.sources = sources
        self._ci: dict[str, list[_Cand]] = {}
        self._cs: dict[str, list[_Cand]] = {}
        self._units = {e.unit for e in entries.values() if e.unit}
        for e in entries.values():
            for v in e.variants:
                if v.overrides.get("unit"):
                    self._units.add(v.overrides["unit"])
        self._build_index()

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, extra: list[Path] | None = None) -> "ActorDictionary":
        """The built-in dictionary, extended/overridden by `extra` YAML files in order.

        Without `extra`, the `actors.yaml` of each rules folder in force (`--rules`,
        `$WARLOG_RULES`, `warlog.toml`) extends it; the result is cached per set of files (one
        shared instance).  Raises ActorDictionaryError naming the file and entry when a file is
        malformed.
        """
        if extra:
            return cls._load_files([DEFAULT_PATH, *[Path(p) for p in extra]])
        return _dictionary_of(tuple(rules.active().extra_files("actors.yaml")))

    @classmethod
    def _load_files(cls, paths: list[Path]) -> "ActorDictionary":
        raws: dict[str, _Raw] = {}
        demonyms: dict[str, str] = {}
        periods: dict[str, tuple[Period, ...]] = {}
        the_countries: set[str] = set()
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as e:
                raise ActorDictionaryError(f"{path}: cannot read: {e}") from e
            try:
                doc = yaml.load(text, Loader=_YamlLoader)
            except yaml.YAMLError as e:
                raise ActorDictionaryError(f"{path}: invalid YAML: {e}") from e
            if doc is None:
                continue

            def top_err(msg: str, _p=path) -> None:
                raise ActorDictionaryError(f"{_p}: {msg}")

            if not isinstance(doc, dict):
                top_err("the top level must be a mapping with keys " + ", ".join(sorted(_TOP_FIELDS)))
            unknown = set(doc) - _TOP_FIELDS
            if unknown:
                top_err(f"unknown top-level key(s) {sorted(unknown)}; allowed: {sorted(_TOP_FIELDS)}")
            for c in _str_list(doc.get("the_countries") or [], "the_countries", top_err):
                the_countries.add(acled_country_name(c))
            dem = doc.get("demonyms") or {}
            if not isinstance(dem, dict):
                top_err("demonyms must be a mapping adjective -> country")
            for k, v in dem.items():
                if not isinstance(k, str) or not isinstance(v, str):
                    top_err(f"demonyms: bad entry {k!r}: {v!r}")
                demonyms[k.strip()] = acled_country_name(v)
            per = doc.get("periods") or {}
            if not isinstance(per, dict):
                top_err("periods must be a mapping country -> list of periods")
            for country, plist in per.items():
                def p_err(msg: str, _p=path, _c=country) -> None:
                    raise ActorDictionaryError(f"{_p}: periods[{_c!r}]: {msg}")
                periods[acled_country_name(str(country))] = _parse_periods(plist, p_err)
            actors = doc.get("actors") or []
            if not isinstance(actors, list):
                top_err("actors must be a list of entries")
            for i, item in enumerate(actors):
                key = item.get("key") if isinstance(item, dict) else None
                where = f"{path}: actors[{i}] (key={key!r})"
                if not isinstance(item, dict):
                    raise ActorDictionaryError(f"{where}: an entry must be a mapping, got {item!r}")
                if not isinstance(key, str) or not key.strip():
                    raise ActorDictionaryError(f"{where}: every entry needs a text `key`")
                unknown = set(item) - _ENTRY_FIELDS
                if unknown:
                    raise ActorDictionaryError(
                        f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_ENTRY_FIELDS)}")
                if key in raws:  # extension: update field by field, add aliases
                    def e_err(msg: str, _w=where) -> None:
                        raise ActorDictionaryError(f"{_w}: {msg}")

                    old = dict(raws[key].data)
                    for f, v in item.items():
                        if f in ("aliases", "demonym_aliases") and old.get(f):
                            old[f] = list(old[f]) + _str_list(v or [], f, e_err)
                        else:
                            old[f] = v
                    raws[key] = _Raw(old, where)
                else:
                    raws[key] = _Raw(dict(item), where)
        entries: dict[str, _Entry] = {}
        for key in raws:
            cls._build_entry(key, raws, entries, ())
        return cls(entries, demonyms, periods, the_countries, paths)

    @classmethod
    def _build_entry(cls, key: str, raws: dict[str, _Raw], done: dict[str, _Entry],
                     chain: tuple[str, ...]) -> _Entry:
        if key in done:
            return done[key]
        raw = raws[key]
        d = raw.data

        def err(msg: str) -> None:
            raise ActorDictionaryError(f"{raw.where}: {msg}")

        if key in chain:
            err(f"`base` cycle: {' -> '.join(chain + (key,))}")
        fields: dict[str, Any] = {}
        base = d.get("base")
        if base is not None:
            if base not in raws:
                err(f"`base` {base!r} is not the key of any entry")
            b = cls._build_entry(base, raws, done, chain + (key,))
            fields = {f: getattr(b, f) for f in _INHERITED}
        if "name" in d:
            fields["name"] = _check_template(d["name"], "name", err)
        if "inter" in d:
            fields["inter"] = _check_inter(d["inter"], "inter", err)
        if "external_inter" in d:
            fields["external_inter"] = (None if d["external_inter"] is None
                                        else _check_inter(d["external_inter"], "external_inter", err))
        if "country" in d:
            c = d["country"]
            if c is not None and not isinstance(c, str):
                err(f"country must be text, got {c!r}")
            fields["country"] = acled_country_name(c) if c else None
        for f in ("unit", "associate"):
            if f in d:
                v = d[f]
                if v is not None and not isinstance(v, str):
                    err(f"{f} must be text, got {v!r}")
                fields[f] = _check_template(v, f, err) if v else None
        if "only_in" in d:
            fields["only_in"] = (frozenset(acled_country_name(c) for c in _str_list(d["only_in"], "only_in", err))
                                 if d["only_in"] else None)
        if "periods" in d:
            fields["periods"] = _parse_periods(d["periods"], err) if d["periods"] else None
        if "variants" in d:
            fields["variants"] = tuple(cls._parse_variant(v, raws, err) for v in (d["variants"] or []))
        if "name" not in fields or "inter" not in fields:
            err("an entry needs `name` and `inter` (directly or through `base`)")
        aliases = tuple(_str_list(d.get("aliases") or [], "aliases", err))
        demonym_aliases = tuple(_str_list(d.get("demonym_aliases") or [], "demonym_aliases", err))
        entry = _Entry(key=key, aliases=aliases, demonym_aliases=demonym_aliases, **fields)
        done[key] = entry
        return entry

    @staticmethod
    def _parse_variant(v: Any, raws: dict[str, _Raw], err) -> _Variant:
        if not isinstance(v, dict):
            err(f"a variant must be a mapping, got {v!r}")
        unknown = set(v) - _VARIANT_FIELDS
        if unknown:
            err(f"variant has unknown field(s) {sorted(unknown)}; allowed: {sorted(_VARIANT_FIELDS)}")
        ov: dict[str, Any] = {}
        for f, val in v.items():
            if f in ("countries", "from", "to"):
                continue
            if f == "name":
                val = _check_template(val, "variant name", err)
            elif f in ("inter", "external_inter") and val is not None:
                val = _check_inter(val, f"variant {f}", err)
            elif f == "base" and val not in raws:
                err(f"variant `base` {val!r} is not the key of any entry")
            elif f == "periods" and val is not None:
                val = _parse_periods(val, err)
            elif f == "country" and val is not None:
                val = acled_country_name(val)
            ov[f] = val
        countries = v.get("countries")
        return _Variant(
            countries=frozenset(acled_country_name(c) for c in _str_list(countries, "countries", err))
            if countries else None,
            start=_as_date(v.get("from"), err),
            end=_as_date(v.get("to"), err),
            overrides=ov,
        )

    # ------------------------------------------------------------------ index
    def _add(self, alias: str, cand: _Cand) -> None:
        forms = {alias}
        if "'" in alias or "\u2019" in alias:
            forms.add(alias.replace("'", "").replace("\u2019", ""))
        for form in forms:
            if _is_case_sensitive(form):
                for f in _cs_forms(form):
                    lst = self._cs.setdefault(f, [])
                    if cand not in lst:
                        lst.append(cand)
            else:
                lst = self._ci.setdefault(_norm_ci(form), [])
                if cand not in lst:
                    lst.append(cand)

    def _build_index(self) -> None:
        for e in self.entries.values():
            for a in e.aliases:
                self._add(a, _Cand(e.key, None))
        # "<demonym> <noun>" ("Syrian army", "US drones"): a third and fourth pattern, the
        # demonym part case-insensitive (or as written for "US", "UK"), the noun part not.
        self._nouns: dict[str, list[str]] = {}
        for e in self.entries.values():
            for a in e.demonym_aliases:
                lst = self._nouns.setdefault(_norm_ci(a), [])
                if e.key not in lst:
                    lst.append(e.key)
        self._dem_ci = {_norm_ci(k): v for k, v in self.demonyms.items() if not _is_case_sensitive(k)}
        self._dem_cs = {_norm_cs(k): v for k, v in self.demonyms.items() if _is_case_sensitive(k)}
        nouns = _trie_regex(self._nouns, bounded=False)
        dem_ci = _trie_regex(self._dem_ci, bounded=False)
        dem_cs = _trie_regex(self._dem_cs, bounded=False)
        # The case-insensitive pattern runs without IGNORECASE on the lower-cased text
        # (about 3x faster); _ci_re_i is the fallback for the rare text whose lower-casing
        # changes its length.
        # "<noun> of [the] <Country>" ("military forces of Azerbaijan") comes first: when it
        # matches it is the longest reading.
        self._country_names = {_norm_ci(c): c for c in
                               {*self.demonyms.values(), *self.periods, *self.the_countries}}
        countries = _trie_regex(self._country_names, bounded=False)
        ci = (r"(?<!\w)(?:(?P<n2>" + nouns + ")" + _SEP_PATTERN + "of" + _SEP_PATTERN
              + "(?:the" + _SEP_PATTERN + ")?(?P<c>" + countries + ")"
              + "|(?P<a>" + _trie_regex(self._ci, bounded=False) + ")" + _MEMBER_SUFFIX
              + "|(?P<d>" + dem_ci + ")"
              + _SEP_PATTERN + "(?P<n>" + nouns + r"))(?!\w)")
        self._ci_re = re.compile(ci)
        self._ci_re_i = None
        self._ci_src = ci
        self._cs_re = re.compile(
            r"(?<!\w)(?:(?P<a>" + _trie_regex(self._cs, bounded=False) + ")" + _MEMBER_SUFFIX
            + "|(?P<d>" + dem_cs + ")"
            + _SEP_PATTERN + "(?i:(?P<n>" + nouns + r")))(?!\w)(?P<n2>)?(?P<c>)?")

    def _matches(self, text: str):
        """(match, case_sensitive) for every raw match of the two patterns."""
        low = text.lower()
        if len(low) == len(text):
            ci_iter = self._ci_re.finditer(low)
        else:
            if self._ci_re_i is None:
                self._ci_re_i = re.compile(self._ci_src, re.IGNORECASE)
            ci_iter = self._ci_re_i.finditer(text)
        for m in ci_iter:
            yield m, False
        for m in self._cs_re.finditer(text):
            yield m, True

    def _cands(self, m: re.Match, cs: bool, text: str) -> list[_Cand]:
        if m.group("n2"):
            country = self._country_names.get(_norm_ci(m.group("c")))
            return [_Cand(k, country) for k in self._nouns.get(_norm_ci(m.group("n2")), [])]
        if m.group("a") is not None:
            surface = m.group("a") if not cs else text[m.start("a"):m.end("a")]
            return self._cs.get(_norm_cs(surface), []) if cs else self._ci.get(_norm_ci(surface), [])
        return self._demonym_cands(m, cs)

    def _demonym_cands(self, m: re.Match, cs: bool) -> list[_Cand]:
        country = (self._dem_cs.get(_norm_cs(m.group("d"))) if cs
                   else self._dem_ci.get(_norm_ci(m.group("d"))))
        keys = self._nouns.get(_norm_ci(m.group("n")), [])
        return [_Cand(k, country) for k in keys] if country else []

    # ------------------------------------------------------------------ matching
    def find(self, text: str, country: str | None = None, event_date: date | None = None,
             *, as_of: date | None = None) -> list[ActorMention]:
        """Actor mentions in `text`: leftmost-longest, non-overlapping, in text order.

        Each mention's actor is resolved for the event `country`/`event_date` (see
        `resolve`); without a country, templated names keep their "{country}" placeholder.
        """
        country = acled_country_name(country) if country else None
        # (start, end, priority, candidates): explicit aliases win ties over demonym phrases
        spans: list[tuple[int, int, int, list[_Cand]]] = []
        for m, cs in self._matches(text):
            if cs and m.group().lower() in _COMMON_WORDS and _shouting(text, m.start(), m.end()):
                continue
            spans.append((m.start(), m.end(), 0 if m.group("a") is not None else 1,
                          self._cands(m, cs, text)))
        spans.sort(key=lambda s: (s[0], s[0] - s[1], s[2]))
        out: list[ActorMention] = []
        last_end = -1
        # One Actor per candidate and call: mentions of the same actor in one text share the
        # (validated) Actor object; treat it as read-only.
        resolved: dict[_Cand, Actor] = {}
        for start, end, _prio, cands in spans:
            if start < last_end:
                continue
            cand = self._choose(cands, country)
            if cand is None:
                continue
            actor = resolved.get(cand)
            if actor is None:
                actor = resolved[cand] = self._resolve_entry(
                    self.entries[cand.key], cand.hint, country, event_date, as_of)
            out.append(ActorMention.model_construct(start=start, end=end, text=text[start:end], actor=actor))
            last_end = end
        return out

    def _choose(self, cands: list[_Cand], country: str | None) -> _Cand | None:
        ok = [c for c in cands
              if country is None or not self.entries[c.key].only_in or country in self.entries[c.key].only_in]
        if not ok:
            return None
        if country:
            for c in ok:
                if c.hint == country or (c.hint is None and self.entries[c.key].country == country):
                    return c
        return ok[0]

    def _lookup(self, text: str, country: str | None) -> _Cand | None:
        text = text.strip()
        for m, cs in self._matches(text):
            if m.start() == 0 and m.end() == len(text):
                cand = self._choose(self._cands(m, cs, text), country)
                if cand:
                    return cand
        return None

    # ------------------------------------------------------------------ resolving
    def resolve(self, mention_or_key: ActorMention | str, country: str | None = None,
                event_date: date | None = None, *, as_of: date | None = None) -> Actor:
        """The concrete Actor for a mention (by its text), an entry key or an alias.

        `country` is the event's country (name or ISO code): it fills {country} unless the
        mention names another ("Turkish forces"), picks among ambiguous aliases ("SNA"), and
        makes a state's forces acting abroad inter 8.  `event_date` (default: today) picks the
        regime period and date-bound variants (the Taliban after 15 Aug 2021).  `as_of`
        renders periods that ended after it as still open, the way an ACLED export made on
        that date names them ("(2000-)" in 2020 rather than today's "(2000-2024)").
        Raises KeyError for an unknown key/alias.
        """
        country = acled_country_name(country) if country else None
        if isinstance(mention_or_key, ActorMention):
            text = mention_or_key.text
        elif isinstance(mention_or_key, str):
            text = mention_or_key
            if text in self.entries:
                return self._resolve_entry(self.entries[text], None, country, event_date, as_of)
        else:
            raise TypeError(f"resolve() takes an ActorMention or a str, not {type(mention_or_key).__name__}")
        cand = self._lookup(text, country)
        if cand is None:
            raise KeyError(f"unknown actor key or alias: {text!r}")
        return self._resolve_entry(self.entries[cand.key], cand.hint, country, event_date, as_of)

    def _resolve_entry(self, e: _Entry, hint: str | None, country: str | None,
                       event_date: date | None, as_of: date | None) -> Actor:
        d = event_date or date.today()
        f = {k: getattr(e, k) for k in ("name", "inter", "country", "external_inter", "unit",
                                         "associate", "periods")}
        where = country or hint or e.country
        for v in e.variants:
            if v.countries is not None and where not in v.countries:
                continue
            if (v.start and d < v.start) or (v.end and d >= v.end):
                continue
            ov = v.overrides
            if "base" in ov:
                b = self.entries[ov["base"]]
                f = {k: getattr(b, k) for k in f}
            f.update({k: val for k, val in ov.items() if k != "base"})
            break
        home = hint or f["country"] or country
        name = self._fill(f["name"], home, f["periods"], d, as_of)
        unit = f["unit"]
        assoc = self._fill(f["associate"], home, None, d, as_of) if f["associate"] else None
        if unit and assoc:
            name, unit = f"{name} {unit}", None
        inter = f["inter"]
        if f["external_inter"] and home and country and home != country:
            inter = f["external_inter"]
        return Actor(name=name, inter=inter, country=home, associate=unit or assoc)

    def _fill(self, template: str, country: str | None, periods: tuple[Period, ...] | None,
              d: date, as_of: date | None) -> str:
        if "{" not in template or country is None:
            if "{period}" in template and periods:  # own periods, no country needed
                template = template.replace("{period}", _pick(periods, d).render(as_of))
            return template
        the = f"the {country}" if country in self.the_countries else country
        out = template.replace("{country}", country).replace("{the_country}", the)
        if "{period}" in out:
            table = periods or self.periods.get(country)
            if table:
                out = out.replace("{period}", _pick(table, d).render(as_of))
            else:  # no period table: "Military Forces of X"
                out = re.sub(r"\s*\(\{period\}\)|\s*\{period\}", "", out).strip()
        return out

    def period(self, country: str, event_date: date | None = None, *, as_of: date | None = None) -> str | None:
        """The regime-period label for a country and date ("2000-2024"), None without a table."""
        table = self.periods.get(acled_country_name(country))
        return _pick(table, event_date or date.today()).render(as_of) if table else None

    # ------------------------------------------------------------------ helpers
    def fallback(self, country: str | None) -> Actor:
        """The actor ACLED uses when nobody is named: "Unidentified Armed Group (Country)", 3."""
        c = acled_country_name(country) if country else None
        return Actor(name=f"Unidentified Armed Group ({c})" if c else "Unidentified Armed Group",
                     inter=3, country=c)

    def recast(self, actor: Actor, inter: int, country: str | None = None) -> Actor:
        """The same people as protesters (6), rioters (5) or civilians (7), keeping the
        associate: "medical interns" found as Civilians + Health Workers (Israel) becomes
        Protesters (Israel) + Health Workers (Israel) in a protest event."""
        label = {5: "Rioters", 6: "Protesters", 7: "Civilians"}.get(inter)
        if label is None:
            raise ValueError("recast() takes inter 5, 6 or 7")
        c = acled_country_name(country) if country else actor.country
        assoc = actor.associate if actor.associate not in self._units else None
        if assoc and "{country}" in assoc and c:
            assoc = assoc.replace("{country}", c)
        return Actor(name=f"{label} ({c})" if c else f"{label} ({{country}})", inter=inter,
                     country=c, associate=assoc)

    def columns(self, actor: Actor) -> tuple[str, str | None]:
        """ACLED's (actor, assoc_actor) columns: a unit is part of ACLED's actor name
        ("Military Forces of Syria (2000-2024) 4th Armored Division"), other associates go
        to the assoc_actor column."""
        if actor.associate and actor.associate in self._units:
            return f"{actor.name} {actor.associate}", None
        return actor.name, actor.associate

    def names(self) -> set[str]:
        """Every fixed (untemplated) actor name the dictionary can produce."""
        out = set()
        for e in self.entries.values():
            for n in [e.name] + [v.overrides.get("name") for v in e.variants]:
                if n and "{" not in n:
                    out.add(n)
        return out

    def __len__(self) -> int:
        return len(self.entries)


def _pick(periods: tuple[Period, ...], d: date) -> Period:
    chosen = periods[0]
    for p in periods:
        if p.start <= d:
            chosen = p
    return chosen


def _shouting(text: str, start: int, end: int) -> bool:
    """Is the text around a match mostly upper case (an all-caps headline)?"""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    ls, le = max(ls, start - 80), min(le, end + 80)
    letters = [c for c in text[ls:start] + text[end:le] if c.isalpha()]
    if len(letters) < 6:
        return len(letters) > 0 and all(c.isupper() for c in letters)
    return sum(c.isupper() for c in letters) / len(letters) > 0.6


@functools.lru_cache(maxsize=8)
def _dictionary_of(extra: tuple[Path, ...]) -> ActorDictionary:
    return ActorDictionary._load_files([DEFAULT_PATH, *extra])


# --------------------------------------------------------------------------- module shortcuts


def find(text: str, country: str | None = None, event_date: date | None = None,
         *, as_of: date | None = None) -> list[ActorMention]:
    """`ActorDictionary.load().find(...)` with the built-in dictionary."""
    return ActorDictionary.load().find(text, country, event_date, as_of=as_of)


def resolve(mention_or_key: ActorMention | str, country: str | None = None,
            event_date: date | None = None, *, as_of: date | None = None) -> Actor:
    """`ActorDictionary.load().resolve(...)` with the built-in dictionary."""
    return ActorDictionary.load().resolve(mention_or_key, country, event_date, as_of=as_of)


def fallback(country: str | None) -> Actor:
    """"Unidentified Armed Group (Country)", inter 3."""
    return ActorDictionary.load().fallback(country)
