"""The benchmark corpus generator: gold spans, determinism, independence (Faker + pytest only)."""
import importlib.util
import os
import re
import sys

import corpus

HERE = os.path.dirname(os.path.abspath(__file__))
N = 600


def test_gold_spans_match_their_text_and_are_exact_leak_tests():
    rows = corpus.generate(N, seed=7)
    assert len(rows) == N
    assert len({r["text"] for r in rows}) == N
    for r in rows:
        text = r["text"]
        masked = list(text)
        for s in r["spans"]:
            assert s["label"] in corpus.LABELS
            assert text[s["start"]:s["end"]] == s["text"]
            assert s["text"].strip() == s["text"] and s["text"]
            masked[s["start"]:s["end"]] = "\0" * (s["end"] - s["start"])
        masked = "".join(masked)
        for s in r["spans"]:
            assert s["text"] not in masked, (text, s)
            assert s["text"] not in corpus.PLACEHOLDERS
        spans = sorted((s["start"], s["end"]) for s in r["spans"])
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), text


def test_mix_of_clean_lines_and_every_label():
    rows = corpus.generate(N, seed=7)
    clean = [r for r in rows if not r["spans"]]
    assert len(clean) == round(N * 0.3)
    assert all(r["family"].startswith("clean.") for r in clean)
    assert all(r["spans"] for r in rows if not r["family"].startswith("clean."))
    assert {s["label"] for r in rows for s in r["spans"]} == set(corpus.LABELS)


def test_deterministic_per_seed():
    assert corpus.generate(200, seed=3) == corpus.generate(200, seed=3)
    assert corpus.generate(200, seed=3) != corpus.generate(200, seed=4)


def test_templates_are_not_the_training_generators():
    pkg = os.path.join(HERE, "..", "..", "models", "train", "synthdata")
    spec = importlib.util.spec_from_file_location("train_synthdata", os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # its modules import each other relative to it, its dataclasses look themselves up
    spec.loader.exec_module(gen)
    theirs = set()
    for fam in gen.FAMILIES:
        for t in fam.templates:
            theirs.add(re.sub(r"\{[a-z_0-9]+\}", "{}", t if isinstance(t, str) else t[0]).strip().lower())
    for topics in gen.PULSE_TOPICS.values():
        theirs.update(re.sub(r"\{[a-z_0-9]+\}", "{}", t).strip().lower() for t in topics)
    mine = {re.sub(r"\$\{[a-z_0-9]+\}|\$[a-z_0-9_]+", "{}", t).strip().lower()
            for fams in (corpus.FAMILIES, corpus.CLEAN) for _, ts in fams.values() for t in ts}
    assert not mine & theirs, sorted(mine & theirs)
