"""Analysts change the coding without editing Python: a rules folder through the real CLI."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def warlog(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warlog", *args], cwd=cwd, text=True, capture_output=True,
                          env=dict(os.environ, COLUMNS="200", **(env or {})), timeout=600)


def explain(text: str, *extra: str, cwd: Path, env: dict | None = None) -> dict:
    result = warlog("explain", text, "--published", "2024-05-10", "--format", "json", *extra, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


POISONING = "Unknown assailants poisoned the village well in Tawila and three villagers died on Tuesday."
CLASH = "Government troops clashed with rebel fighters near Kadugli on Monday, leaving 12 dead."


def test_a_cue_added_in_a_rules_folder_codes_a_new_event(tmp_path):
    before = explain(POISONING, cwd=tmp_path)
    assert before["events"] == []
    rules = tmp_path / "my_rules"
    rules.mkdir()
    (rules / "cues.yaml").write_text(
        "entries:\n"
        "- id: poisoning\n"
        "  sub_event_type: Attack\n"
        "  weight: 3\n"
        "  description: people poisoned on purpose\n"
        "  any_of: ['poison(?:ed|ing)']\n")
    after = explain(POISONING, "--rules", str(rules), cwd=tmp_path)
    assert [e["sub_event_type"] for e in after["events"]] == ["Attack"]
    assert "cues:poisoning" in after["events"][0]["coded_by"]
    assert after["events"][0]["fatalities"] == 3
    cue_rules = [c["rule"] for s in after["sentences"] for c in s["cues"]]
    assert "cues:poisoning" in cue_rules
    # the same folder through the environment and through warlog.toml
    assert "cues:poisoning" in explain(POISONING, cwd=tmp_path, env={"WARLOG_RULES": str(rules)})["events"][0]["coded_by"]
    (tmp_path / "warlog.toml").write_text('rules = ["my_rules"]\n')
    assert "cues:poisoning" in explain(POISONING, cwd=tmp_path)["events"][0]["coded_by"]


def test_a_decision_step_disabled_in_a_rules_folder(tmp_path):
    before = explain(CLASH, cwd=tmp_path)["events"][0]
    assert "decisions:direct_fight" in before["coded_by"]
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "decisions.yaml").write_text("entries:\n- id: direct_fight\n  enabled: false\n")
    after = explain(CLASH, "--rules", str(rules), cwd=tmp_path)["events"][0]
    assert "decisions:direct_fight" not in after["coded_by"]
    assert any(r.startswith("decisions:") for r in after["coded_by"])


def test_an_actor_alias_added_in_a_rules_folder(tmp_path):
    text = "Fighters of the Sahel Lions attacked an army post near Gao on Sunday, killing four soldiers."
    before = explain(text, "--country", "Mali", cwd=tmp_path)
    assert all(a["actor"] != "Sahel Lions Brigade" for s in before["sentences"] for a in s["actors"])
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "actors.yaml").write_text(
        "actors:\n- key: sahel_lions\n  name: Sahel Lions Brigade\n  inter: 2\n  country: Mali\n  aliases: [Sahel Lions]\n")
    after = explain(text, "--country", "Mali", "--rules", str(rules), cwd=tmp_path)
    actors = [a["actor"] for s in after["sentences"] for a in s["actors"]]
    assert "Sahel Lions Brigade" in actors
    assert after["events"][0]["actor1"] == "Sahel Lions Brigade"


@pytest.mark.parametrize("content,message", [
    ("entries:\n- id: bad\n  sub_event_type: Attack\n  weight: 1\n  any_of: ['(unclosed']\n", "not a valid regular expression"),
    ("entries:\n- id: bad\n  sub_event_type: Drone thing\n  weight: 1\n  any_of: ['x']\n", "is not one of ACLED's"),
    ("entries:\n- id: bad\n  colour: red\n", "colour"),
])
def test_a_broken_rules_file_is_named_with_its_entry(tmp_path, content, message):
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "cues.yaml").write_text(content)
    result = warlog("explain", "Gunmen killed two people.", "--rules", str(rules), cwd=tmp_path)
    assert result.returncode == 2
    assert "cues.yaml" in result.stderr and "'bad'" in result.stderr and message in result.stderr


def test_explain_prints_classes_cues_and_rules_of_a_stored_document(tmp_path):
    report = tmp_path / "r.jsonl"
    report.write_text(json.dumps({"id": "d1", "published": "2024-05-10", "text":
        "Gunmen killed five civilians in Maiduguri on Monday, police said.\n\n"
        "Since January, more than 300 people have been killed in the state."}) + "\n")
    db = tmp_path / "w.db"
    assert warlog("ingest", str(report), "--db", str(db), "-q", cwd=tmp_path).returncode == 0
    result = warlog("explain", "--doc", "d1", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tally" in result.stdout and "cues:attack" in result.stdout
    assert "coded_by cues:attack, decisions:attack_on_civilians" in result.stdout
    missing = warlog("explain", "--doc", "nope", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 1 and "nope" in missing.stderr
