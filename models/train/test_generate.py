"""Tests for the data generators (Faker only; no torch)."""
import os
import subprocess
import sys

import generate as g

N = 1500


def _all():
    return {s: g.generate(s, N, seed=7) for s in ("train", *g.EVAL_SPLITS)}


DATA = _all()


def test_deterministic():
    a = g.generate("train", 300, seed=11)
    b = g.generate("train", 300, seed=11)
    assert a == b
    c = g.generate("train", 300, seed=12)
    assert a != c


def test_spans_match_text_and_labels_valid():
    for split, data in DATA.items():
        for ex in data:
            # composed training examples carry no category label; every other example does
            assert ex["category"] in g.CATEGORIES or (ex["category"] is None and ex["family"].startswith("mix.")), ex
            assert ex["sentiment"] in g.SENTIMENTS
            prev_end = 0
            for e in sorted(ex["entities"], key=lambda e: e["start"]):
                assert e["label"] in g.PII_LABELS
                assert 0 <= e["start"] < e["end"] <= len(ex["text"])
                span = ex["text"][e["start"]:e["end"]]
                assert span == span.strip() and span, (ex, e)
                assert e["start"] >= prev_end, "overlapping entities"
                prev_end = e["end"]


def test_unseen_disjoint_templates_and_locales():
    train_t = {ex["template_id"] for ex in DATA["train"]}
    train_f = {ex["family"] for ex in DATA["train"]}
    train_l = {ex["locale"] for ex in DATA["train"]}
    for split in g.HELD_OUT:
        un = DATA[split]
        assert not ({ex["template_id"] for ex in un} & train_t), split
        assert not ({ex["family"] for ex in un} & train_f), split
        assert not ({ex["locale"] for ex in un} & train_l), split
    assert {ex["family"] for ex in DATA["unseen2"]} <= g.HOLDOUT_FAMILIES_V2
    assert {ex["family"] for ex in DATA["unseen3"]} <= g.HOLDOUT_FAMILIES_V3
    assert {ex["family"] for ex in DATA["unseen4"]} <= g.HOLDOUT_FAMILIES_V4
    assert {ex["family"] for ex in DATA["unseen5"]} <= g.HOLDOUT_FAMILIES_V5
    held = [g.HOLDOUT_FAMILIES, g.HOLDOUT_FAMILIES_V2, g.HOLDOUT_FAMILIES_V3, g.HOLDOUT_FAMILIES_V4, g.HOLDOUT_FAMILIES_V5]
    assert sum(len(h) for h in held) == len(set().union(*held)), "held-out family sets overlap"
    assert not (g.HOLDOUT_FAMILIES & g.HOLDOUT_FAMILIES_V2) and not (g.HOLDOUT_FAMILIES_V3 & (g.HOLDOUT_FAMILIES | g.HOLDOUT_FAMILIES_V2))
    assert any(ex["family"] == "mix.clauses" for ex in DATA["train"])
    assert not any(ex["family"].startswith("mix.") for ex in DATA["heldout"])
    assert not (set(g.TRAIN_LOCALES) & set(g.UNSEEN_LOCALES))
    # in-template held-out split uses the training families and locales
    assert {ex["family"] for ex in DATA["heldout"]} <= set(f.id for f in g.FAMILIES) - g.HOLDOUT_FAMILIES - g.HOLDOUT_FAMILIES_V2


def test_every_category_and_sentiment_present():
    for split, data in DATA.items():
        assert {ex["category"] for ex in data} - {None} == set(g.CATEGORIES), split
        assert {ex["sentiment"] for ex in data} == set(g.SENTIMENTS), split


def test_locales_and_variants():
    assert len(set(g.TRAIN_LOCALES) | set(g.UNSEEN_LOCALES)) >= 12
    variants = {ex["variant"] for ex in DATA["train"]}
    assert variants == {"orig", "lower", "upper"}
    labels = {e["label"] for ex in DATA["train"] for e in ex["entities"]}
    assert {"PERSON", "LOCATION", "USERNAME", "EMAIL"} <= labels
    # plenty of lines with no PII at all
    assert sum(1 for ex in DATA["train"] if not ex["entities"]) > 0.3 * N


def test_context_string():
    assert g.context_string("Google Chrome", "https://www.github.com/x") == "Google Chrome github.com"
    assert g.context_string("Slack", None) == "Slack"
    assert g.context_string(None, None) is None


def test_pools_do_not_depend_on_the_date():
    # PESEL (pl_PL) and HETU (fi_FI) numbers encode a birth date drawn relative to today; the pools
    # pin Faker's clock, so building them on another day gives the same values.
    from freezegun import freeze_time

    for locale in ("pl_PL", "fi_FI"):
        today = g.LocalePool(locale, 5, n=40)
        with freeze_time("2031-06-15 08:00:00"):
            later = g.LocalePool(locale, 5, n=40)
        assert today.natid == later.natid and today.company == later.company, locale


def test_pools_do_not_depend_on_the_hash_seed():
    # A Faker list built from a set is ordered by PYTHONHASHSEED; two processes with different
    # seeds must build the same pools for every locale.
    code = ("import generate as g, hashlib\n"
            "for loc in g.TRAIN_LOCALES + g.UNSEEN_LOCALES:\n"
            "    p = g.LocalePool(loc, 5, n=40)\n"
            "    print(loc, hashlib.sha256(repr(sorted(vars(p).items())).encode()).hexdigest())\n")
    here = os.path.dirname(os.path.abspath(__file__))
    outs = [subprocess.run([sys.executable, "-c", code], cwd=here, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": s}).stdout for s in ("1", "2")]
    assert outs[0] == outs[1] and outs[0].count("\n") == len(g.TRAIN_LOCALES + g.UNSEEN_LOCALES)
