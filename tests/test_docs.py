"""The docs tell the truth: every command and setting documented, templates as specified."""

import re
from pathlib import Path

import typer.main

from parkbrain.cli import app as cli
from parkbrain.importing.templates import load_templates, render_templates_doc
from parkbrain.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "enterprise-import.md"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme():
    group = typer.main.get_command(cli)
    for name, command in group.commands.items():
        assert f"parkbrain {name}" in README, name
        for sub in getattr(command, "commands", {}):
            assert f"parkbrain {name} {sub}" in README, f"{name} {sub}"


def test_every_setting_is_in_the_readme():
    for name in Settings.model_fields:
        assert f"PARKBRAIN_{name.upper()}" in README, name


def test_templates_doc_is_current():
    assert (ROOT / "docs" / "templates.md").read_text(encoding="utf-8") == render_templates_doc()


def test_enterprise_template_is_the_spec():
    """Row by row, the spec's table: Chinese name, English name, required."""
    rows = [line.split("|")[1:-1] for line in SPEC.read_text(encoding="utf-8").splitlines()
            if re.match(r"^\| [^-中]", line)]
    spec = [(zh.strip(), en.strip(), req.strip() == "yes") for zh, en, _type, req, _rule in rows]
    ours = [(c.zh, c.field, c.required) for c in load_templates()["enterprises"].columns]
    assert ours == spec and len(spec) == 26
