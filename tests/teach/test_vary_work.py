"""vary's work per variant: the template is parsed once a run, and the faster YAML writer
writes the bytes yaml.safe_dump writes (timings live in benchmarks/, not here)."""

from __future__ import annotations

from pathlib import Path

import yaml

import rnnloss_cli.problem as problem
from rnnloss_cli.teach.vary import make_variants


def test_the_template_is_parsed_once_a_run(monkeypatch):
    calls = []
    real = problem.parse_problem

    def counting(data, lines, file):
        calls.append(file)
        return real(data, lines, file)

    monkeypatch.setattr(problem, "parse_problem", counting)
    variants = make_variants("problems/hello.yaml", seed=7, count=5)
    # hello.yaml has no constraints: every draw is valid, so 1 template + 5 draws
    assert len(variants) == 5
    assert calls.count("problems/hello.yaml") == 1, calls
    assert len(calls) == 6, calls


def test_the_files_are_what_yaml_safe_dump_writes(tmp_path: Path):
    # texts libyaml's writer would write otherwise: an emoji, NEL, a line separator, a long
    # title folded at 100 columns, quotes and a colon
    title = r'"We\u0085ird \U0001F600 \u2028 title: #x \"q\" ' + "long " * 40 + '"'
    text = Path("problems/hinge-sequence.yaml").read_text()
    f = tmp_path / "weird.yaml"
    body = [line for line in text.splitlines() if not line.startswith("title:")]
    f.write_text("\n".join([f"title: {title}", *body]) + "\n")
    variants = make_variants(str(f), seed=3, count=4, ids=None)
    variants += make_variants(str(f), seed=3, ids=["S1", "José", "id#1: x", "we ird, \U0001f600"])
    assert "\x85ird \U0001f600 \u2028" in variants[0].data["title"]
    for v in variants:
        assert v.text.split("\n", 1)[1] == yaml.safe_dump(
            v.data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100
        )
