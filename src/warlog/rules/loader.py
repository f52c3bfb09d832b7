"""Loads, validates, overlays and compiles the coding rules kept as data in this folder.

Each ``*.yaml`` file here is one concern (``cues``, ``sentences``, ``lexicon``, ...) and holds a
list of ``entries``, every one with an ``id``. Users lay folders of their own over the built-in
one (``--rules DIR``, ``$WARLOG_RULES``, ``rules = [...]`` in ``warlog.toml``): an entry with a
known id updates that entry's fields, ``enabled: false`` removes it, a new id is added (at the
end, or where ``before:``/``after:`` say). Patterns may splice in a lexicon entry (``@{lex:id}``)
or another pattern of the same file (``@{id}``) so no word list is written twice.

Everything is validated with pydantic and compiled once per set of folders; an error names the
file and the entry. Code reads rules through `active()`; `pattern()` gives a handle that always
answers with the active rules, so a module can keep a named constant and still honour overlays.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from warlog.vocabulary import SUB_EVENT_TYPES

BUILTIN_DIR = Path(__file__).parent
ENV_VAR = "WARLOG_RULES"
_FLAGS = {"IGNORECASE": re.I, "MULTILINE": re.M, "DOTALL": re.S, "VERBOSE": re.X, "ASCII": re.A}
_SPLICE = re.compile(r"@\{(?:(lex):)?([\w.-]+)\}")


class RuleError(ValueError):
    """A rules file or entry that cannot be used; the message names the file and the entry."""


class Entry(BaseModel):
    """Fields every entry has. Files add their own (see the models below)."""
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[\w.-]+$")
    enabled: bool = True
    description: str = ""
    before: str | None = None
    after: str | None = None


class PatternEntry(Entry):
    """A named regular expression: ``pattern`` as written, or ``any_of`` alternatives that are
    joined as whole words (``\\b(?:a|b)\\b``). ``flags`` are Python's ``re`` flag names."""
    pattern: str | None = None
    any_of: list[str] | None = None
    flags: list[Literal["IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII"]] = []

    @model_validator(mode="after")
    def _one_form(self) -> "PatternEntry":
        if self.enabled and (self.pattern is None) == (self.any_of is None):
            raise ValueError("give exactly one of 'pattern' or 'any_of'")
        return self


class CueEntry(PatternEntry):
    """A cue: words that are evidence of one sub-event type, with a weight that ranks it."""
    sub_event_type: str = ""
    weight: float = 0.0
    flags: list[Literal["IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII"]] = ["IGNORECASE"]


class SourceEntry(PatternEntry):
    """A reporting source named in text; ``name`` is the canonical name (none: the words as written)."""
    name: str | None = None


class LexiconEntry(Entry):
    """A word list. ``terms`` are regex fragments (``soldiers?``); ``include`` splices other lists in."""
    terms: list[str] = []
    include: list[str] = []


class ValueEntry(Entry):
    """A number, a list or a mapping that code reads by id (weights, thresholds, word groups)."""
    value: Any = None


class DecisionEntry(Entry):
    """One step of an ordered decision list: when every condition in ``when`` holds and none in
    ``unless``, the step decides ``then`` (a value, or ``@name`` of a registered chooser)."""
    when: list[str] = []
    unless: list[str] = []
    then: str = ""


FILE_MODELS: dict[str, type[Entry]] = {
    "cues": CueEntry,
    "sentences": PatternEntry,
    "sources": SourceEntry,
    "lexicon": LexiconEntry,
    "counts": PatternEntry,
    "places": PatternEntry,
    "place_values": ValueEntry,
    "merge": ValueEntry,
    "decisions": DecisionEntry,
    "coding": ValueEntry,
}
#: Files a rules folder may hold that are not lists of entries: read by their own stage.
OTHER_FILES = {"actors.yaml": "the actor dictionary (extract/actors.py), in the format of data/actors.yaml"}
PATTERN_FILES = {name for name, model in FILE_MODELS.items() if issubclass(model, PatternEntry)}


# -- registered conditions (code the decision list names) ------------------------------------
CONDITIONS: dict[str, Callable[..., bool]] = {}
CHOOSERS: dict[str, Callable[..., Any]] = {}


def condition(name: str) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Registers a condition a decision entry can name in ``when``/``unless`` (like spaCy's registry)."""
    def register(fn: Callable[..., bool]) -> Callable[..., bool]:
        CONDITIONS[name] = fn
        return fn
    return register


def chooser(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a function a decision entry can name as ``then: '@name'``."""
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        CHOOSERS[name] = fn
        return fn
    return register


# -- loading ---------------------------------------------------------------------------------
def _read_file(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot be read as YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("entries") or [], list):
        raise RuleError(f"{path}: expected a mapping with a list under 'entries'")
    raws = data.get("entries") or []
    seen: set[str] = set()
    for i, raw in enumerate(raws):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise RuleError(f"{path}: entry {i + 1} is not a mapping with a string 'id'")
        if raw["id"] in seen:
            raise RuleError(f"{path}: entry '{raw['id']}' is given twice in this file")
        seen.add(raw["id"])
    return raws


def _update(base: dict[str, Any], raw: dict[str, Any]) -> None:
    """Lays an overriding entry's fields over ``base``; a new ``pattern`` drops an inherited
    ``any_of`` and a new ``any_of`` an inherited ``pattern`` (an entry has one of the two)."""
    for form, other in (("pattern", "any_of"), ("any_of", "pattern")):
        if form in raw and other not in raw:
            base.pop(other, None)
    base.update(raw)


def _overlay(merged: list[dict[str, Any]], raws: list[dict[str, Any]], path: Path) -> None:
    index = {e["id"]: i for i, e in enumerate(merged)}
    for raw in raws:
        raw = dict(raw)
        where_before, where_after = raw.get("before"), raw.get("after")
        if raw["id"] in index and not (where_before or where_after):
            _update(merged[index[raw["id"]]], raw)
            continue
        if raw["id"] in index:
            base = merged.pop(index[raw["id"]])
            _update(base, raw)
            raw = base
        ids = [e["id"] for e in merged]
        anchor = where_before or where_after
        if anchor and anchor not in ids:
            where = "before" if where_before else "after"
            raise RuleError(f"{path}: entry '{raw['id']}': {where}: '{anchor}' is not an entry of this file "
                            "(in this or an earlier folder)")
        pos = len(merged) if not anchor else ids.index(anchor) + (0 if where_before else 1)
        merged.insert(pos, raw)
        index = {e["id"]: i for i, e in enumerate(merged)}


def config_dirs(explicit: Iterable[str | os.PathLike[str]] = (), start: Path | None = None) -> list[Path]:
    """The rules folders in force, lowest first: built-in, ``warlog.toml``, ``$WARLOG_RULES``, explicit."""
    import tomllib
    dirs: list[Path] = [BUILTIN_DIR]
    toml = (start or Path.cwd()) / "warlog.toml"
    if toml.is_file():
        try:
            conf = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RuleError(f"{toml}: cannot be read: {exc}") from None
        listed = conf.get("rules", [])
        listed = [listed] if isinstance(listed, str) else listed
        if not isinstance(listed, list) or not all(isinstance(d, str) for d in listed):
            raise RuleError(f"{toml}: 'rules' must be a folder or a list of folders")
        dirs += [(toml.parent / d) for d in listed]
    env = os.environ.get(ENV_VAR)
    if env:
        dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs += [Path(d) for d in explicit]
    for d in dirs[1:]:
        if not d.is_dir():
            raise RuleError(f"{d}: rules folder not found")
    return dirs


@dataclass(frozen=True)
class Cue:
    id: str
    sub_event_type: str
    weight: float
    regex: re.Pattern[str]


class RuleSet:
    """The compiled rules of one stack of folders."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs
        self.entries: dict[str, list[Entry]] = {}
        self.by_id: dict[str, dict[str, Entry]] = {}
        self.origin: dict[tuple[str, str], Path] = {}
        raw_files: dict[str, list[dict[str, Any]]] = {name: [] for name in FILE_MODELS}
        for d in dirs:
            if not d.is_dir():
                raise RuleError(f"{d}: rules folder not found")
            for path in sorted(d.glob("*.yaml")):
                name = path.stem
                if path.name in OTHER_FILES:
                    continue
                if name not in FILE_MODELS:
                    if d == BUILTIN_DIR:
                        continue
                    known = sorted([f"{n}.yaml" for n in FILE_MODELS] + list(OTHER_FILES))
                    raise RuleError(f"{path}: unknown rules file (known: {', '.join(known)})")
                raws = _read_file(path)
                for raw in raws:
                    self.origin[(name, raw["id"])] = path
                _overlay(raw_files[name], raws, path)
        for name, model in FILE_MODELS.items():
            kept: list[Entry] = []
            for raw in raw_files[name]:
                path = self.origin.get((name, raw["id"]), BUILTIN_DIR / f"{name}.yaml")
                try:
                    entry = model.model_validate({k: v for k, v in raw.items()})
                except ValidationError as exc:
                    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
                    raise RuleError(f"{path}: entry '{raw['id']}': {problems}") from None
                if entry.enabled:
                    kept.append(entry)
            self.entries[name] = kept
            self.by_id[name] = {e.id: e for e in kept}
        self._lexicon: dict[str, str] = {}
        for entry in self.entries["lexicon"]:
            self.lexicon(entry.id)
        self.compiled: dict[tuple[str, str], re.Pattern[str]] = {}
        self.sources: dict[tuple[str, str], str] = {}
        for name in PATTERN_FILES:
            for entry in self.entries[name]:
                self._compile(name, entry.id, ())
        self.cues = [Cue(e.id, e.sub_event_type, e.weight, self.compiled[("cues", e.id)])
                     for e in self.entries["cues"]]
        self._check()

    def extra_files(self, name: str) -> list[Path]:
        """`name` (one of OTHER_FILES) in each users' folder, lowest first."""
        return [d / name for d in self.dirs[1:] if (d / name).is_file()]

    # -- lexicon and patterns ----------------------------------------------------------------
    def lexicon(self, lex_id: str, _seen: tuple[str, ...] = ()) -> str:
        """A word list as one regex alternation (no group, no boundaries)."""
        if lex_id in self._lexicon:
            return self._lexicon[lex_id]
        entry = self.by_id["lexicon"].get(lex_id)
        if entry is None:
            raise RuleError(f"lexicon entry '{lex_id}' not found (or disabled)")
        assert isinstance(entry, LexiconEntry)
        path = self.origin.get(("lexicon", lex_id), BUILTIN_DIR / "lexicon.yaml")
        for inc in entry.include:
            if inc == lex_id or inc in _seen:
                chain = " > ".join(_seen[_seen.index(inc):] + (lex_id, inc) if inc in _seen else (lex_id, inc))
                raise RuleError(f"{path}: entry '{lex_id}': include '{inc}' makes a loop, an entry that includes "
                                f"itself ({chain})")
            if inc not in self.by_id["lexicon"]:
                raise RuleError(f"{path}: entry '{lex_id}': include '{inc}' is not a lexicon entry (or is disabled)")
        parts = [self.lexicon(i, _seen + (lex_id,)) for i in entry.include] + list(entry.terms)
        self._lexicon[lex_id] = "|".join(p for p in parts if p)
        return self._lexicon[lex_id]

    def terms(self, lex_id: str) -> list[str]:
        """The terms of a word list with its includes, in order."""
        entry = self.by_id["lexicon"].get(lex_id)
        if entry is None:
            raise RuleError(f"lexicon entry '{lex_id}' not found (or disabled)")
        assert isinstance(entry, LexiconEntry)
        return [t for i in entry.include for t in self.terms(i)] + list(entry.terms)

    def source(self, file: str, entry_id: str) -> str:
        """The regex text of a pattern entry, splices expanded."""
        if (file, entry_id) not in self.sources:
            self._compile(file, entry_id, ())
        return self.sources[(file, entry_id)]

    def _compile(self, file: str, entry_id: str, seen: tuple[str, ...]) -> None:
        if (file, entry_id) in self.compiled:
            return
        path = self.origin.get((file, entry_id), BUILTIN_DIR / f"{file}.yaml")
        entry = self.by_id.get(file, {}).get(entry_id) if file in PATTERN_FILES else None
        if entry is None:
            raise RuleError(f"{file}: pattern '{entry_id}' not found (or disabled)")
        if entry_id in seen:
            raise RuleError(f"{path}: entry '{entry_id}' splices itself")
        assert isinstance(entry, PatternEntry)

        def splice(m: re.Match[str]) -> str:
            try:
                if m.group(1) == "lex":
                    return self.lexicon(m.group(2))
                self._compile(file, m.group(2), seen + (entry_id,))
                return self.sources[(file, m.group(2))]
            except RuleError as exc:
                raise RuleError(f"{path}: entry '{entry_id}': {exc}") from None

        if entry.any_of is not None:
            text = r"\b(?:" + "|".join(_SPLICE.sub(splice, a) for a in entry.any_of) + r")\b"
        else:
            text = _SPLICE.sub(splice, entry.pattern or "")
        flags = 0
        for f in entry.flags:
            flags |= _FLAGS[f]
        try:
            self.compiled[(file, entry_id)] = re.compile(text, flags)
        except re.error as exc:
            raise RuleError(f"{path}: entry '{entry_id}': not a valid regular expression: {exc}") from None
        self.sources[(file, entry_id)] = text

    def regex(self, file: str, entry_id: str) -> re.Pattern[str]:
        try:
            return self.compiled[(file, entry_id)]
        except KeyError:
            raise RuleError(f"{file}: pattern '{entry_id}' not found (or disabled)") from None

    def value(self, file: str, entry_id: str, default: Any = ...) -> Any:
        if file not in self.by_id:
            raise RuleError(f"'{file}' is not a rules file (known: {', '.join(sorted(FILE_MODELS))})")
        entry = self.by_id[file].get(entry_id)
        if entry is None:
            if default is not ...:
                return default
            raise RuleError(f"{file}: value '{entry_id}' not found (or disabled)")
        return entry.value  # type: ignore[attr-defined]

    def _check(self) -> None:
        self._decisions_checked = False
        for cue in self.entries["cues"]:
            assert isinstance(cue, CueEntry)
            if cue.sub_event_type not in SUB_EVENT_TYPES:
                path = self.origin.get(("cues", cue.id))
                raise RuleError(f"{path}: entry '{cue.id}': sub_event_type '{cue.sub_event_type}' is not one of ACLED's")

    def check_decisions(self) -> None:
        """Checks that the decision list names registered conditions and choosers and ACLED's
        types; run once the module registering them is imported (extract.decisions does it)."""
        if self._decisions_checked:
            return
        for step in self.entries["decisions"]:
            assert isinstance(step, DecisionEntry)
            path = self.origin.get(("decisions", step.id))
            for name in step.when + step.unless:
                if name.partition(":")[0] not in CONDITIONS:
                    raise RuleError(f"{path}: entry '{step.id}': condition '{name}' is not registered "
                                    f"(known: {', '.join(sorted(CONDITIONS))})")
            if step.then.startswith("@") and step.then[1:].partition(":")[0] not in CHOOSERS:
                raise RuleError(f"{path}: entry '{step.id}': chooser '{step.then}' is not registered "
                                f"(known: {', '.join('@' + c for c in sorted(CHOOSERS))})")
            if not step.then.startswith("@") and step.then not in SUB_EVENT_TYPES:
                raise RuleError(f"{path}: entry '{step.id}': '{step.then}' is not one of ACLED's sub-event types")
        self._decisions_checked = True


# -- the rules in force ----------------------------------------------------------------------
_lock = threading.Lock()
_configured: list[Path] | None = None
_active: RuleSet | None = None
_generation = 0
_cache: dict[tuple[Path, ...], RuleSet] = {}


def load(dirs: Iterable[str | os.PathLike[str]] = ()) -> RuleSet:
    """The compiled rules of the built-in folder with ``dirs`` laid over it (cached)."""
    key = tuple([BUILTIN_DIR] + [Path(d).resolve() for d in dirs])
    if key not in _cache:
        _cache[key] = RuleSet(list(key))
    return _cache[key]


def configure(explicit: Iterable[str | os.PathLike[str]] = ()) -> RuleSet:
    """Sets the process's rules: built-in, ``warlog.toml``, ``$WARLOG_RULES``, then ``explicit``."""
    global _configured, _active, _generation
    dirs = config_dirs(explicit)
    ruleset = load(dirs[1:])
    with _lock:
        _configured, _active = dirs, ruleset
        _generation += 1
    return ruleset


def active() -> RuleSet:
    """The rules in force (configured on first use from ``warlog.toml`` and ``$WARLOG_RULES``)."""
    if _active is None:
        configure()
    assert _active is not None
    return _active


class Pattern:
    """A named pattern of the active rules, looked up again whenever the rules change."""
    __slots__ = ("file", "entry_id", "_gen", "_rx")

    def __init__(self, file: str, entry_id: str) -> None:
        self.file, self.entry_id, self._gen, self._rx = file, entry_id, -1, None

    @property
    def rx(self) -> re.Pattern[str]:
        if self._gen != _generation or self._rx is None:
            self._rx = active().regex(self.file, self.entry_id)
            self._gen = _generation
        return self._rx

    def search(self, *a: Any) -> re.Match[str] | None:
        return self.rx.search(*a)

    def match(self, *a: Any) -> re.Match[str] | None:
        return self.rx.match(*a)

    def fullmatch(self, *a: Any) -> re.Match[str] | None:
        return self.rx.fullmatch(*a)

    def finditer(self, *a: Any) -> Iterable[re.Match[str]]:
        return self.rx.finditer(*a)

    def findall(self, *a: Any) -> list[Any]:
        return self.rx.findall(*a)

    def sub(self, *a: Any) -> str:
        return self.rx.sub(*a)

    def split(self, *a: Any) -> list[str]:
        return self.rx.split(*a)

    @property
    def pattern(self) -> str:
        return self.rx.pattern


def pattern(file: str, entry_id: str) -> Pattern:
    """A handle on pattern ``entry_id`` of rules file ``file``, honouring overlays."""
    return Pattern(file, entry_id)


def patterns(file: str, *entry_ids: str) -> tuple[Pattern, ...]:
    """Handles on several patterns of one rules file, in the order named."""
    return tuple(Pattern(file, i) for i in entry_ids)
