"""Load policy files: YAML with line numbers, the model, every expression checked, requires in order.

A file with an error is refused (the error names the file, line and name); the others load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from parkbrain.policies.checked import CheckedVersion, check_version
from parkbrain.policies.errors import PolicyCycleError, PolicyError, did_you_mean
from parkbrain.policies.model import Policy


def _lines(node: yaml.Node, path: tuple, out: dict[tuple, int]) -> None:
    """Record the first line of every value (a block scalar's text starts on the next line)."""
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    out[path] = node.start_mark.line + 1 + (1 if block else 0)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _lines(value, (*path, i), out)


def read_yaml(text: str, file: str) -> tuple[object, dict[tuple, int]]:
    """The YAML document and the line of each of its values, by path."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError(f"not valid YAML: {exc.problem}", file=file, line=mark.line + 1 if mark else None,
                          kind="yaml") from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        _lines(node, (), lines)
    return data, lines


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """A policy from the text of its file (its expressions not yet checked)."""
    data, lines = read_yaml(text, file)
    if not isinstance(data, dict):
        raise PolicyError("a policy file holds one mapping (id, name, subject, versions, ...)", file=file,
                          line=1, kind="schema")
    try:
        policy = Policy.model_validate({**data, "file": file})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        known = [k for k in lines if len(k) <= len(loc) and loc[:len(k)] == k]
        line = lines[max(known, key=len)] if known else None
        name = str(loc[-1]) if loc else None
        raise PolicyError(f"{'.'.join(map(str, loc)) or 'policy'}: {first['msg']}", file=file, line=line,
                          name=name, kind="schema") from None
    policy._lines.update(lines)
    return policy


@dataclass
class Catalogue:
    """The policies that loaded, each version checked, and the errors of the files that did not."""

    policies: dict[str, Policy] = field(default_factory=dict)
    checked: dict[tuple[str, str], CheckedVersion] = field(default_factory=dict)
    errors: list[PolicyError] = field(default_factory=list)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies.values())

    def __len__(self) -> int:
        return len(self.policies)

    def __getitem__(self, policy_id: str) -> Policy:
        if policy_id not in self.policies:
            hint = did_you_mean(policy_id, self.policies)
            raise KeyError(f"no policy {policy_id!r}" + (f"; did you mean {hint!r}?" if hint else ""))
        return self.policies[policy_id]

    def in_force(self, day: dt.date) -> dict[str, CheckedVersion]:
        """The checked version of each policy in force on the day, in dependency order."""
        out: dict[str, CheckedVersion] = {}
        for pid in self.order():
            version = self.policies[pid].version_at(day)
            if version is not None:
                out[pid] = self.checked[(pid, version.key)]
        return out

    def order(self) -> list[str]:
        """Policy ids such that every policy comes after the ones it requires."""
        done: list[str] = []

        def visit(pid: str) -> None:
            if pid in done:
                return
            for dep in sorted(self._requires(pid)):
                visit(dep)
            done.append(pid)

        for pid in sorted(self.policies):
            visit(pid)
        return done

    def _requires(self, pid: str) -> set[str]:
        return {d for (p, _), v in self.checked.items() if p == pid for d in v.requires}


def builtin_policy_files() -> list[Path]:
    """The catalogue shipped in parkbrain/data/policies."""
    folder = resources.files("parkbrain") / "data" / "policies"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yaml", ".yml")))


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in map(Path, paths):
        out += sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    return out


def load_catalogue(paths: Iterable[Path | str] | None = None, *, builtin: bool = True) -> Catalogue:
    """Load policy files: by default the shipped catalogue, plus the files or folders given.

    A file given here replaces a shipped policy with the same id (a district adapting it);
    two given files with the same id are an error.
    """
    shipped = builtin_policy_files() if builtin else []
    cat = Catalogue()
    for path in shipped + _files(Path(p) for p in (paths or [])):
        try:
            policy = parse_policy(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            cat.errors.append(PolicyError(f"cannot read the file: {exc}", file=str(path), kind="file"))
            continue
        except PolicyError as exc:
            cat.errors.append(exc)
            continue
        before = cat.policies.get(policy.id)
        if before is not None and Path(before.file) not in shipped:
            cat.errors.append(PolicyError(f"policy id {policy.id!r} is already defined in {before.file}",
                                          file=str(path), line=policy.line_of("id"), name=policy.id,
                                          kind="duplicate"))
            continue
        cat.policies[policy.id] = policy
    _check_all(cat)
    return cat


def check_policies(policies: Iterable[Policy]) -> Catalogue:
    """A catalogue of policies already parsed (e.g. built in code): each checked, errors listed."""
    cat = Catalogue(policies={p.id: p for p in policies})
    _check_all(cat)
    return cat


def _check_all(cat: Catalogue) -> None:
    """Check every version; refuse policies with an error, in a requires-circle, or requiring a
    refused one, until nothing changes."""
    pending = dict(cat.policies)
    while True:
        subjects = {p.id: p.subject for p in pending.values()}
        refused: dict[str, PolicyError] = {}
        cat.checked.clear()
        for policy in pending.values():
            try:
                for i, version in enumerate(policy.versions):
                    cat.checked[(policy.id, version.key)] = check_version(policy, i, subjects)
            except PolicyError as exc:
                refused[policy.id] = _explain_dependency(exc, cat.policies)
        if not refused:
            refused = _cycles(cat, pending)
        if not refused:
            break
        cat.errors += refused.values()
        pending = {k: v for k, v in pending.items() if k not in refused}
    cat.policies = dict(pending)


def _explain_dependency(exc: PolicyError, loaded: dict[str, Policy]) -> PolicyError:
    """An unknown policy that did load but was refused itself: say so rather than 'unknown'."""
    if exc.kind == "unknown_policy" and exc.name in loaded:
        head, _, _ = exc.message.rpartition("unknown ")
        exc.message = f"{head}requires {exc.name!r}, which was refused (see its own error)"
        exc.suggestion = None
        exc.args = (str(exc),)
    return exc


def _cycles(cat: Catalogue, pending: dict[str, Policy]) -> dict[str, PolicyError]:
    """The policies that require each other in a circle, each with the circle named."""
    graph = {pid: cat._requires(pid) for pid in pending}
    out: dict[str, PolicyError] = {}
    for start in sorted(graph):
        path = _cycle_from(start, graph)
        if path:
            policy = pending[start]
            out[start] = PolicyCycleError(f"policies require each other in a circle: {' → '.join(path)}",
                                          file=policy.file, line=_mention_line(policy, path[1]), name=start,
                                          kind="cycle")
    return out


def _mention_line(policy: Policy, other: str) -> int | None:
    """The line of the first expression of the policy that names another policy."""
    for i, version in enumerate(policy.versions):
        texts = [(("definitions", k), t) for k, t in version.definitions.items()]
        texts += [(("conditions", j, "expr"), c.expr) for j, c in enumerate(version.conditions)]
        for path, text in texts:
            if other in text:
                return policy.line_of("versions", i, *path)
    return policy.line_of("versions")


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for dep in sorted(graph.get(node, ())):
            if dep == start:
                return [*path, start]
            if dep not in path:
                stack.append((dep, [*path, dep]))
    return None
