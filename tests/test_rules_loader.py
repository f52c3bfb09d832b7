"""The rules loader (src/warlog/rules/loader.py): built-in rules, users' overlay folders, splices,
errors that name the file and the entry, the folders in force, handles that follow `configure()`.

The tests of the loader's workings build their own folders under tmp_path and load them with
`rules.load([...])` over an empty stand-in for the built-in folder (fixture `clean_env`), so they
neither depend on nor wait for the built-in rules; entry ids start with ``t_``. The tests named
``test_builtin_*`` check the real built-in folder.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from warlog import rules
from warlog.rules import loader
from warlog.rules.loader import FILE_MODELS, OTHER_FILES, PATTERN_FILES, RuleError
from warlog.vocabulary import SUB_EVENT_TYPES


def write(folder: Path, name: str, entries: list[dict]) -> Path:
    """Writes ``folder/name.yaml`` with these entries; returns the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"entries": entries}, sort_keys=False), encoding="utf-8")
    return path


def ids(ruleset: rules.RuleSet, file: str) -> list[str]:
    """The ids of ``file`` that these tests made, in order."""
    return [e.id for e in ruleset.entries[file] if e.id.startswith("t_")]


def raises_naming(*parts: str):
    """`pytest.raises(RuleError)` whose message holds every one of ``parts``."""
    return pytest.raises(RuleError, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """An empty built-in folder, no ``$WARLOG_RULES``, a working directory without ``warlog.toml``,
    and the process's rules put back as they were afterwards (handles made elsewhere look their
    patterns up again)."""
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    monkeypatch.setattr(loader, "BUILTIN_DIR", builtin)
    monkeypatch.delenv(loader.ENV_VAR, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    saved = loader._configured, loader._active
    yield tmp_path
    loader._configured, loader._active = saved
    loader._generation += 1


# -- the built-in folder ---------------------------------------------------------------------
def test_builtin_rules_load_and_validate():
    ruleset = rules.load()
    assert ruleset.dirs == [rules.BUILTIN_DIR]
    assert set(ruleset.entries) == set(FILE_MODELS)
    for name in PATTERN_FILES:
        for entry in ruleset.entries[name]:
            assert isinstance(ruleset.regex(name, entry.id), re.Pattern)
            assert ruleset.source(name, entry.id) == ruleset.regex(name, entry.id).pattern
    for entry in ruleset.entries["lexicon"]:
        assert isinstance(ruleset.lexicon(entry.id), str)
    for cue in ruleset.cues:
        assert cue.sub_event_type in SUB_EVENT_TYPES
    import warlog.extract.decisions  # noqa: F401  (registers the conditions the decision list names)
    ruleset.check_decisions()


def test_builtin_entries_are_described():
    for name, entries in rules.load().entries.items():
        undescribed = [e.id for e in entries if not e.description.strip()]
        assert not undescribed, f"{name}.yaml: entries without a description: {undescribed}"


def test_builtin_folder_holds_only_known_rules_files():
    for path in rules.BUILTIN_DIR.glob("*.yaml"):
        assert path.stem in FILE_MODELS or path.name in OTHER_FILES, path


def test_other_files_in_a_user_folder_are_listed_not_read(clean_env):
    one = write(clean_env / "one", "merge", [{"id": "t_m", "value": 1}]).parent
    two = clean_env / "two"
    two.mkdir()
    for d in (one, two):
        (d / "actors.yaml").write_text("actors: []\n", encoding="utf-8")
    ruleset = rules.load([one, two])
    assert ruleset.extra_files("actors.yaml") == [one / "actors.yaml", two / "actors.yaml"]
    assert rules.load().extra_files("actors.yaml") == []


def test_unknown_files_in_the_builtin_folder_are_skipped(clean_env):
    write(loader.BUILTIN_DIR, "notes", [{"id": "t_x"}])
    write(loader.BUILTIN_DIR, "places", [{"id": "t_b", "pattern": "b"}])
    assert ids(rules.load(), "places") == ["t_b"]


# -- overlays --------------------------------------------------------------------------------
def test_overlay_adds_an_entry_at_the_end(clean_env):
    base = write(clean_env / "base", "places", [{"id": "t_a", "pattern": "a"}, {"id": "t_b", "pattern": "b"}]).parent
    user = write(clean_env / "user", "places", [{"id": "t_c", "pattern": "c+"}]).parent
    ruleset = rules.load([base, user])
    assert ids(ruleset, "places") == ["t_a", "t_b", "t_c"]
    assert ruleset.regex("places", "t_c").fullmatch("ccc")
    assert ruleset.origin[("places", "t_c")] == user / "places.yaml"


def test_overlay_overrides_fields_by_id(clean_env):
    base = write(clean_env / "base", "cues", [
        {"id": "t_cue", "sub_event_type": "Attack", "weight": 1, "pattern": "ambush(?:ed)?",
         "description": "an ambush"}]).parent
    user = write(clean_env / "user", "cues", [{"id": "t_cue", "weight": 9}]).parent
    ruleset = rules.load([base, user])
    entry = ruleset.by_id["cues"]["t_cue"]
    assert (entry.weight, entry.sub_event_type, entry.pattern, entry.description) == (9, "Attack", "ambush(?:ed)?",
                                                                                       "an ambush")
    cue = next(c for c in ruleset.cues if c.id == "t_cue")
    assert cue.weight == 9 and cue.regex.search("they were AMBUSHED")   # cues ignore case by default
    assert ruleset.origin[("cues", "t_cue")] == user / "cues.yaml"
    assert rules.load([base]).by_id["cues"]["t_cue"].weight == 1        # the base alone is unchanged


def test_override_may_switch_between_pattern_and_any_of(clean_env):
    base = write(clean_env / "base", "counts", [{"id": "t_p", "pattern": "x"}, {"id": "t_q", "any_of": ["y", "z"]}]).parent
    user = write(clean_env / "user", "counts", [{"id": "t_p", "any_of": ["u", "v"]}, {"id": "t_q", "pattern": "w"}]).parent
    ruleset = rules.load([base, user])
    assert ruleset.source("counts", "t_p") == r"\b(?:u|v)\b"
    assert ruleset.source("counts", "t_q") == "w"


def test_overlay_disables_an_entry(clean_env):
    base = write(clean_env / "base", "merge", [{"id": "t_keep", "value": 1}, {"id": "t_drop", "value": 2}]).parent
    write(base, "places", [{"id": "t_gone", "pattern": "g"}])
    user = write(clean_env / "user", "merge", [{"id": "t_drop", "enabled": False}]).parent
    write(user, "places", [{"id": "t_gone", "enabled": False}])
    ruleset = rules.load([base, user])
    assert ids(ruleset, "merge") == ["t_keep"]
    assert ruleset.value("merge", "t_drop", None) is None
    with raises_naming("t_drop"):
        ruleset.value("merge", "t_drop")
    with raises_naming("t_gone", "not found"):
        ruleset.regex("places", "t_gone")
    # a later folder can switch it on again
    again = write(clean_env / "again", "merge", [{"id": "t_drop", "enabled": True}]).parent
    assert rules.load([base, user, again]).value("merge", "t_drop") == 2


def test_disabled_entry_needs_no_pattern(clean_env):
    folder = write(clean_env / "f", "sentences", [{"id": "t_off", "enabled": False}]).parent
    assert ids(rules.load([folder]), "sentences") == []


def test_before_and_after_place_entries_in_an_ordered_file(clean_env):
    base = write(clean_env / "base", "sentences", [{"id": f"t_{i}", "pattern": str(i)} for i in (1, 2, 3)]).parent
    user = write(clean_env / "user", "sentences", [
        {"id": "t_new", "before": "t_2", "pattern": "n"},
        {"id": "t_last", "after": "t_3", "pattern": "l"},
        {"id": "t_first", "before": "t_1", "pattern": "f"},
        {"id": "t_mid", "after": "t_new", "pattern": "m"},   # anchored on an entry of this same file
    ]).parent
    assert ids(rules.load([base, user]), "sentences") == ["t_first", "t_1", "t_new", "t_mid", "t_2", "t_3", "t_last"]


def test_before_moves_an_existing_entry_and_keeps_its_fields(clean_env):
    base = write(clean_env / "base", "decisions", [
        {"id": "t_one", "then": "Attack"}, {"id": "t_two", "then": "Armed clash"}, {"id": "t_three", "then": "Grenade"}]).parent
    user = write(clean_env / "user", "decisions", [{"id": "t_three", "before": "t_one"}]).parent
    ruleset = rules.load([base, user])
    assert ids(ruleset, "decisions") == ["t_three", "t_one", "t_two"]
    assert ruleset.by_id["decisions"]["t_three"].then == "Grenade"


def test_later_folders_win(clean_env):
    folders = [write(clean_env / f"d{i}", "merge", [{"id": "t_w", "value": i}]).parent for i in (1, 2, 3)]
    assert rules.load(folders).value("merge", "t_w") == 3
    assert rules.load(folders[::-1]).value("merge", "t_w") == 1
    last = write(clean_env / "last", "place_values", [{"id": "t_only_here", "value": {"a": [1, 2]}}]).parent
    ruleset = rules.load(folders + [last])
    assert ruleset.value("merge", "t_w") == 3 and ruleset.value("place_values", "t_only_here") == {"a": [1, 2]}


def test_yaml_file_with_no_entries(clean_env):
    folder = clean_env / "f"
    folder.mkdir()
    (folder / "places.yaml").write_text("# nothing yet\n", encoding="utf-8")
    (folder / "counts.yaml").write_text("entries:\n# - id: later\n", encoding="utf-8")
    ruleset = rules.load([folder])
    assert ids(ruleset, "places") == [] and ids(ruleset, "counts") == []


# -- splices ---------------------------------------------------------------------------------
def test_lexicon_include_and_splices(clean_env):
    folder = write(clean_env / "f", "lexicon", [
        {"id": "t_troops", "terms": ["soldiers?", "troops"]},
        {"id": "t_people", "include": ["t_troops"], "terms": ["civilians?"]},
        {"id": "t_all", "include": ["t_people", "t_troops"]},
    ]).parent
    write(folder, "counts", [
        {"id": "t_num", "pattern": r"\d+"},
        {"id": "t_killed", "pattern": r"(?P<n>@{t_num}) (?:@{lex:t_people}) (?:were )?killed", "flags": ["IGNORECASE"]},
        {"id": "t_words", "any_of": ["@{lex:t_troops}", "fighters"]},
    ])
    ruleset = rules.load([folder])
    assert ruleset.lexicon("t_troops") == "soldiers?|troops"
    assert ruleset.lexicon("t_people") == "soldiers?|troops|civilians?"
    assert ruleset.terms("t_people") == ["soldiers?", "troops", "civilians?"]
    assert ruleset.terms("t_all") == ["soldiers?", "troops", "civilians?", "soldiers?", "troops"]
    assert ruleset.source("counts", "t_killed") == r"(?P<n>\d+) (?:soldiers?|troops|civilians?) (?:were )?killed"
    killed = ruleset.regex("counts", "t_killed")
    assert killed.flags & re.I
    assert killed.search("At least 12 Civilians were killed").group("n") == "12"
    assert ruleset.source("counts", "t_words") == r"\b(?:soldiers?|troops|fighters)\b"
    assert not ruleset.regex("counts", "t_words").search("troopship")


def test_splices_follow_overrides(clean_env):
    base = write(clean_env / "base", "lexicon", [{"id": "t_victims", "terms": ["civilians"]}]).parent
    write(base, "places", [{"id": "t_unit", "pattern": "village"}, {"id": "t_near", "pattern": "(?:@{lex:t_victims}) near a @{t_unit}"}])
    user = write(clean_env / "user", "lexicon", [{"id": "t_victims", "terms": ["civilians", "farmers"]}]).parent
    write(user, "places", [{"id": "t_unit", "pattern": "(?:village|town)"}])
    ruleset = rules.load([base, user])
    assert ruleset.source("places", "t_near") == "(?:civilians|farmers) near a (?:village|town)"
    assert ruleset.regex("places", "t_near").search("farmers near a town")
    assert ruleset.origin[("places", "t_near")] == base / "places.yaml"


# -- errors name the file and the entry ------------------------------------------------------
def test_invalid_yaml(clean_env):
    folder = clean_env / "f"
    folder.mkdir()
    (folder / "cues.yaml").write_text("entries:\n- id: t_x\n  pattern: [unclosed\n", encoding="utf-8")
    with raises_naming(str(folder / "cues.yaml"), "YAML"):
        rules.load([folder])


def test_file_that_is_not_a_list_of_entries(clean_env):
    folder = clean_env / "f"
    folder.mkdir()
    (folder / "cues.yaml").write_text("- id: t_x\n", encoding="utf-8")
    with raises_naming(str(folder / "cues.yaml"), "entries"):
        rules.load([folder])


def test_entry_without_id(clean_env):
    path = write(clean_env / "f", "places", [{"id": "t_ok", "pattern": "a"}, {"pattern": "b"}])
    with raises_naming(str(path), "entry 2", "'id'"):
        rules.load([path.parent])


def test_entry_id_with_odd_characters(clean_env):
    path = write(clean_env / "f", "places", [{"id": "t bad id", "pattern": "a"}])
    with raises_naming(str(path), "t bad id"):
        rules.load([path.parent])


def test_same_id_twice_in_one_file(clean_env):
    path = write(clean_env / "f", "places", [{"id": "t_twice", "pattern": "a"}, {"id": "t_twice", "pattern": "b"}])
    with raises_naming(str(path), "t_twice", "twice"):
        rules.load([path.parent])


def test_unknown_field(clean_env):
    path = write(clean_env / "f", "places", [{"id": "t_x", "pattern": "a", "colour": "red"}])
    with raises_naming(str(path), "'t_x'", "colour"):
        rules.load([path.parent])


def test_unknown_field_in_an_override_names_the_overriding_file(clean_env):
    base = write(clean_env / "base", "cues", [{"id": "t_c", "sub_event_type": "Attack", "pattern": "x"}]).parent
    user = write(clean_env / "user", "cues", [{"id": "t_c", "wieght": 3}])
    with raises_naming(str(user), "'t_c'", "wieght"):
        rules.load([base, user.parent])


def test_wrong_field_type(clean_env):
    path = write(clean_env / "f", "cues", [{"id": "t_c", "sub_event_type": "Attack", "pattern": "x", "weight": "heavy"}])
    with raises_naming(str(path), "'t_c'", "weight"):
        rules.load([path.parent])


@pytest.mark.parametrize("fields", [{}, {"pattern": "a", "any_of": ["b"]}])
def test_pattern_entry_needs_exactly_one_form(clean_env, fields):
    path = write(clean_env / "f", "sentences", [{"id": "t_s", **fields}])
    with raises_naming(str(path), "'t_s'", "exactly one of 'pattern' or 'any_of'"):
        rules.load([path.parent])


def test_invalid_regex(clean_env):
    path = write(clean_env / "f", "counts", [{"id": "t_bad", "pattern": "(killed"}])
    with raises_naming(str(path), "'t_bad'", "not a valid regular expression"):
        rules.load([path.parent])


def test_unknown_flag(clean_env):
    path = write(clean_env / "f", "counts", [{"id": "t_flag", "pattern": "a", "flags": ["NOCASE"]}])
    with raises_naming(str(path), "'t_flag'", "flags"):
        rules.load([path.parent])


def test_unknown_sub_event_type_in_cues(clean_env):
    path = write(clean_env / "f", "cues", [{"id": "t_picnic", "sub_event_type": "Picnic", "weight": 1, "pattern": "picnic"}])
    with raises_naming(str(path), "'t_picnic'", "Picnic"):
        rules.load([path.parent])


def test_decisions_name_registered_conditions_and_choosers(clean_env, monkeypatch):
    monkeypatch.setitem(loader.CONDITIONS, "t_cond", lambda *a: True)
    monkeypatch.setitem(loader.CHOOSERS, "t_pick", lambda *a: "Attack")
    folder = write(clean_env / "f", "decisions", [
        {"id": "t_step", "when": ["t_cond", "t_cond:an argument"], "unless": ["t_cond"], "then": "Armed clash"},
        {"id": "t_choose", "when": ["t_cond"], "then": "@t_pick"},
        {"id": "t_choose_arg", "then": "@t_pick:Grenade"},
    ]).parent
    ruleset = rules.load([folder])
    ruleset.check_decisions()
    assert ids(ruleset, "decisions") == ["t_step", "t_choose", "t_choose_arg"]


def test_condition_and_chooser_decorators_register(monkeypatch):
    monkeypatch.setattr(loader, "CONDITIONS", dict(loader.CONDITIONS))
    monkeypatch.setattr(loader, "CHOOSERS", dict(loader.CHOOSERS))

    @rules.condition("t_has_dead")
    def has_dead(*a):
        return True

    @rules.chooser("t_choice")
    def choice(*a):
        return "Attack"

    assert loader.CONDITIONS["t_has_dead"] is has_dead and has_dead()
    assert loader.CHOOSERS["t_choice"] is choice


@pytest.mark.parametrize("step, named", [
    ({"when": ["t_no_such_condition"], "then": "Attack"}, "t_no_such_condition"),
    ({"unless": ["t_no_such_condition"], "then": "Attack"}, "t_no_such_condition"),
    ({"then": "@t_no_such_chooser"}, "@t_no_such_chooser"),
    ({"then": "Picnic"}, "Picnic"),
])
def test_unknown_condition_chooser_or_type_in_decisions(clean_env, step, named):
    # checked by check_decisions(), which the decision list's code runs once its conditions are registered
    path = write(clean_env / "f", "decisions", [{"id": "t_d", **step}])
    ruleset = rules.load([path.parent])
    with raises_naming(str(path), "'t_d'", named):
        ruleset.check_decisions()
    with raises_naming(str(path), "'t_d'", named):       # not marked as checked after a failure
        ruleset.check_decisions()


def test_unknown_rules_file_in_a_user_folder(clean_env):
    folder = write(clean_env / "f", "cue", [{"id": "t_x", "pattern": "a"}]).parent
    with raises_naming(str(folder / "cue.yaml"), "unknown rules file", "cues"):
        rules.load([folder])


def test_missing_folder(clean_env):
    missing = clean_env / "nowhere"
    with raises_naming(str(missing), "not found"):
        rules.load([missing])
    with raises_naming(str(missing), "not found"):
        rules.config_dirs([missing])
    with raises_naming(str(missing), "not found"):
        rules.configure([missing])


@pytest.mark.parametrize("text, named", [("@{t_nope}", "t_nope"), ("(?:@{lex:t_nolex})", "t_nolex")])
def test_splice_of_an_unknown_id(clean_env, text, named):
    path = write(clean_env / "f", "places", [{"id": "t_p", "pattern": text}])
    with raises_naming(str(path), "'t_p'", named, "not found"):
        rules.load([path.parent])


def test_splice_of_a_disabled_id(clean_env):
    base = write(clean_env / "base", "places", [{"id": "t_q", "pattern": "q"}, {"id": "t_p", "pattern": "p@{t_q}"}])
    write(base.parent, "lexicon", [{"id": "t_words", "terms": ["w"]}])
    write(base.parent, "counts", [{"id": "t_c", "pattern": "(?:@{lex:t_words})"}])
    assert rules.load([base.parent]).source("places", "t_p") == "pq"
    user = write(clean_env / "user", "places", [{"id": "t_q", "enabled": False}]).parent
    with raises_naming(str(base), "'t_p'", "t_q", "disabled"):
        rules.load([base.parent, user])
    user2 = write(clean_env / "user2", "lexicon", [{"id": "t_words", "enabled": False}]).parent
    with raises_naming(str(base.parent / "counts.yaml"), "'t_c'", "t_words", "disabled"):
        rules.load([base.parent, user2])


def test_pattern_that_splices_itself(clean_env):
    path = write(clean_env / "f", "places", [{"id": "t_a", "pattern": "a@{t_b}"}, {"id": "t_b", "pattern": "b@{t_a}"}])
    with raises_naming(str(path), "splices itself"):
        rules.load([path.parent])


@pytest.mark.parametrize("entries", [
    [{"id": "t_loop", "include": ["t_loop"], "terms": ["x"]}],
    [{"id": "t_loop", "include": ["t_other"]}, {"id": "t_other", "include": ["t_loop"]}],
])
def test_self_including_lexicon_entry(clean_env, entries):
    # found when the rules are loaded, though no pattern splices the entry in
    path = write(clean_env / "f", "lexicon", entries)
    with raises_naming(str(path), "'t_loop'", "includes itself", "t_loop > "):
        rules.load([path.parent])


def test_lexicon_include_of_an_unknown_entry(clean_env):
    path = write(clean_env / "f", "lexicon", [{"id": "t_lex", "include": ["t_missing"]}])
    with raises_naming(str(path), "'t_lex'", "t_missing"):
        rules.load([path.parent])


def test_before_or_after_an_unknown_entry(clean_env):
    path = write(clean_env / "f", "sentences", [{"id": "t_new", "pattern": "n", "after": "t_nope"}])
    with raises_naming(str(path), "'t_new'", "after", "t_nope"):
        rules.load([path.parent])


def test_lookups_of_unknown_names(clean_env):
    ruleset = rules.load([write(clean_env / "f", "merge", [{"id": "t_v", "value": 0.5}]).parent])
    assert ruleset.value("merge", "t_v") == 0.5
    with raises_naming("merge", "t_nope"):
        ruleset.value("merge", "t_nope")
    with raises_naming("no_such_file"):
        ruleset.value("no_such_file", "t_v")
    with raises_naming("places", "t_nope"):
        ruleset.regex("places", "t_nope")
    with raises_naming("places", "t_nope"):
        ruleset.source("places", "t_nope")
    with raises_naming("t_nope"):
        ruleset.lexicon("t_nope")
    with raises_naming("t_nope"):
        ruleset.terms("t_nope")


# -- the folders in force --------------------------------------------------------------------
def test_config_dirs_builtin_only(clean_env):
    assert rules.config_dirs(start=clean_env / "cwd") == [loader.BUILTIN_DIR]
    assert rules.config_dirs() == [loader.BUILTIN_DIR]


@pytest.mark.parametrize("listing", ['rules = ["a", "b"]', 'rules = "a"'])
def test_config_dirs_reads_warlog_toml_relative_to_its_folder(clean_env, listing):
    project = clean_env / "project"
    for d in ("a", "b"):
        (project / d).mkdir(parents=True)
    (project / "warlog.toml").write_text(listing + "\n", encoding="utf-8")
    expected = [project / "a", project / "b"] if "[" in listing else [project / "a"]
    assert rules.config_dirs(start=project) == [loader.BUILTIN_DIR] + expected     # cwd is elsewhere


def test_config_dirs_starts_from_the_working_directory(clean_env, monkeypatch):
    project = clean_env / "project"
    (project / "mine").mkdir(parents=True)
    (project / "warlog.toml").write_text('rules = ["mine"]\n', encoding="utf-8")
    monkeypatch.chdir(project)
    assert rules.config_dirs() == [loader.BUILTIN_DIR, project / "mine"]


def test_config_dirs_order_builtin_toml_env_explicit(clean_env, monkeypatch):
    project = clean_env / "project"
    for d in ("t1", "t2", "e1", "e2", "x1", "x2"):
        (project / d).mkdir(parents=True)
    (project / "warlog.toml").write_text('rules = ["t1", "t2"]\n', encoding="utf-8")
    monkeypatch.setenv(loader.ENV_VAR, os.pathsep.join([str(project / "e1"), "", str(project / "e2")]))
    got = rules.config_dirs([project / "x1", str(project / "x2")], start=project)
    assert got == [loader.BUILTIN_DIR] + [project / d for d in ("t1", "t2", "e1", "e2", "x1", "x2")]


def test_config_dirs_errors(clean_env, monkeypatch):
    project = clean_env / "project"
    project.mkdir()
    toml = project / "warlog.toml"
    toml.write_text('rules = ["a"\n', encoding="utf-8")
    with raises_naming(str(toml), "cannot be read"):
        rules.config_dirs(start=project)
    toml.write_text("rules = 5\n", encoding="utf-8")
    with raises_naming(str(toml), "'rules'"):
        rules.config_dirs(start=project)
    toml.write_text('rules = ["absent"]\n', encoding="utf-8")
    with raises_naming(str(project / "absent"), "not found"):
        rules.config_dirs(start=project)
    toml.write_text('title = "no rules here"\n', encoding="utf-8")
    monkeypatch.setenv(loader.ENV_VAR, str(project / "gone"))
    with raises_naming(str(project / "gone"), "not found"):
        rules.config_dirs(start=project)


def test_configure_lays_toml_env_and_explicit_folders_in_order(clean_env, monkeypatch):
    project = clean_env / "project"
    for i, d in enumerate(("toml", "env", "explicit")):
        write(project / d, "merge", [{"id": "t_who", "value": d}, {"id": f"t_{d}", "value": i}])
    (project / "warlog.toml").write_text('rules = "toml"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv(loader.ENV_VAR, str(project / "env"))
    assert rules.configure().value("merge", "t_who") == "env"
    ruleset = rules.configure([project / "explicit"])
    assert ruleset is rules.active()
    assert loader._configured == [loader.BUILTIN_DIR, project / "toml", project / "env", project / "explicit"]
    assert [ruleset.value("merge", k) for k in ("t_who", "t_toml", "t_env", "t_explicit")] == ["explicit", 0, 1, 2]


def test_active_configures_itself_on_first_use(clean_env, monkeypatch):
    folder = write(clean_env / "env", "merge", [{"id": "t_auto", "value": 42}]).parent
    monkeypatch.setenv(loader.ENV_VAR, str(folder))
    monkeypatch.setattr(loader, "_active", None)
    assert rules.active().value("merge", "t_auto") == 42


# -- handles and caching ---------------------------------------------------------------------
def test_pattern_handle_follows_configure(clean_env):
    one = write(clean_env / "one", "places", [{"id": "t_h", "pattern": r"(\d+) km"}]).parent
    two = write(clean_env / "two", "places", [{"id": "t_h", "pattern": r"(\d+) miles?"}]).parent
    handle = rules.pattern("places", "t_h")          # made before the rules it reads exist
    rules.configure([one])
    assert handle.pattern == r"(\d+) km"
    assert handle.search("5 km north").group(1) == "5"
    assert handle.findall("5 km and 7 km") == ["5", "7"]
    assert handle.sub("X", "5 km") == "X"
    rules.configure([one, two])
    assert handle.pattern == r"(\d+) miles?"
    assert handle.search("5 km north") is None
    assert handle.match("3 miles east").group(1) == "3"
    assert handle.fullmatch("3 mile")
    assert [m.group(1) for m in handle.finditer("1 mile, 2 miles")] == ["1", "2"]
    assert handle.split("a 1 mile b") == ["a ", "1", " b"]
    assert rules.pattern("places", "t_h").pattern == handle.pattern
    rules.configure([one])
    assert handle.pattern == r"(\d+) km"


def test_pattern_handle_of_a_disabled_entry_fails_when_used(clean_env):
    one = write(clean_env / "one", "places", [{"id": "t_h", "pattern": "h"}]).parent
    off = write(clean_env / "off", "places", [{"id": "t_h", "enabled": False}]).parent
    handle = rules.pattern("places", "t_h")
    rules.configure([one])
    assert handle.search("h")
    rules.configure([one, off])
    with raises_naming("places", "t_h", "not found"):
        handle.search("h")


def test_load_is_cached_per_stack_of_folders(clean_env, monkeypatch):
    a = write(clean_env / "a", "merge", [{"id": "t_c", "value": "a"}]).parent
    b = write(clean_env / "b", "merge", [{"id": "t_c", "value": "b"}]).parent
    assert rules.load() is rules.load()
    assert rules.load([a, b]) is rules.load([str(a), Path(b)])
    monkeypatch.chdir(clean_env)
    assert rules.load(["a", "./b"]) is rules.load([a, b])          # relative folders are resolved
    assert rules.load([b, a]) is not rules.load([a, b])
    assert rules.configure([a, b]) is rules.load([a, b])
    # compiled once: an edit on disk is seen by a new stack, not by the cached one
    write(a, "merge", [{"id": "t_c", "value": "edited"}])
    assert rules.load([a]).value("merge", "t_c") == "edited"
    assert rules.load([a, b]).value("merge", "t_c") == "b"


def test_a_failed_load_is_not_cached(clean_env):
    path = write(clean_env / "f", "counts", [{"id": "t_bad", "pattern": "(x"}])
    with pytest.raises(RuleError):
        rules.load([path.parent])
    write(path.parent, "counts", [{"id": "t_bad", "pattern": "(x)"}])
    assert rules.load([path.parent]).regex("counts", "t_bad").pattern == "(x)"


def test_patterns_gives_several_handles(clean_env):
    folder = write(clean_env / "f", "sentences", [{"id": "t_x", "pattern": "x"}, {"id": "t_y", "pattern": "y"}]).parent
    x, y = rules.patterns("sentences", "t_x", "t_y")
    rules.configure([folder])
    assert (x.pattern, y.pattern) == ("x", "y")


def test_readme_describes_every_rules_file():
    readme = (rules.BUILTIN_DIR / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", readme, re.M)
    for name in [f"{n}.yaml" for n in FILE_MODELS] + list(OTHER_FILES):
        assert any(name in h for h in headings), f"README.md has no section on {name}"
