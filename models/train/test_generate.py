"""Tests for the data generators (Faker only; no torch)."""
import hashlib
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


def _templates(fam):
    """A family's template strings (a template may be a (template, sentiment) pair)."""
    return {t[0] if isinstance(t, tuple) else t for t in fam.templates}


def test_unseen_disjoint_templates_and_locales():
    train_t = {ex["template_id"] for ex in DATA["train"]}
    train_f = {ex["family"] for ex in DATA["train"]}
    train_l = {ex["locale"] for ex in DATA["train"]}
    for split in g.HELD_OUT:
        un = DATA[split]
        assert not ({ex["template_id"] for ex in un} & train_t), split
        assert not ({ex["family"] for ex in un} & train_f), split
        # an unseen family draws from the unseen locales, unless it names its own (unseen-12's Japanese, Chinese
        # and Korean families, whose templates alone are unseen): then from those only
        for ex in un:
            own = g.FAMILY_BY_ID[ex["family"]].locales
            if own:
                assert ex["locale"] in own, ex
            else:
                assert ex["locale"] not in train_l and ex["locale"] in g.UNSEEN_LOCALES, ex
    own_locales = {f.id for f in g.FAMILIES if f.locales and f.id in g.ALL_HELD_OUT}
    assert own_locales <= g.HOLDOUT_FAMILIES_V12 and own_locales, own_locales
    assert {ex["family"] for ex in DATA["unseen2"]} <= g.HOLDOUT_FAMILIES_V2
    assert {ex["family"] for ex in DATA["unseen3"]} <= g.HOLDOUT_FAMILIES_V3
    assert {ex["family"] for ex in DATA["unseen4"]} <= g.HOLDOUT_FAMILIES_V4
    assert {ex["family"] for ex in DATA["unseen5"]} <= g.HOLDOUT_FAMILIES_V5
    assert {ex["family"] for ex in DATA["unseen12"]} == g.HOLDOUT_FAMILIES_V12
    held = list(g.HELD_OUT.values())
    assert sum(len(h) for h in held) == len(set().union(*held)), "held-out family sets overlap"
    assert not (g.HOLDOUT_FAMILIES & g.HOLDOUT_FAMILIES_V2) and not (g.HOLDOUT_FAMILIES_V3 & (g.HOLDOUT_FAMILIES | g.HOLDOUT_FAMILIES_V2))
    assert any(ex["family"] == "mix.clauses" for ex in DATA["train"])
    assert not any(ex["family"].startswith("mix.") for ex in DATA["heldout"])
    assert not (set(g.TRAIN_LOCALES) & set(g.UNSEEN_LOCALES))
    # in-template held-out split uses the training families and locales
    assert {ex["family"] for ex in DATA["heldout"]} <= set(f.id for f in g.FAMILIES) - g.ALL_HELD_OUT
    assert {ex["locale"] for ex in DATA["heldout"]} <= set(g.TRAIN_LOCALES)


def test_unseen12_shares_no_template_with_training():
    # unseen-12 and later: no template string, name phrase or check-in of a held-out family is a training one
    # (earlier splits were written with some templates also in training families, e.g. v11.terminal's
    # "ssh {user}@{ip}"; their template ids differ, which the test above checks)
    from synthdata.data.pulse import PULSE_CHECKINS, PULSE_CHECKINS_V12

    train_t = set().union(*(_templates(f) for f in g.FAMILIES if f.id not in g.ALL_HELD_OUT))
    held_t = set().union(*(_templates(g.FAMILY_BY_ID[f]) for f in g.HOLDOUT_FAMILIES_V12))
    assert not (train_t & held_t), train_t & held_t
    phrases = {k: {p for v in t.values() for p in v} for k, t in g.NAME_PHRASES.items()}
    held_p = phrases["name_mail12"] | phrases["name_task12"]
    assert not (held_p & (phrases["name_chat"] | phrases["name_meet"]))
    train_slots = "".join(train_t)
    assert "{name_mail12}" not in train_slots and "{name_task12}" not in train_slots and "{checkin_v12}" not in train_slots
    checkins = {c for t in PULSE_CHECKINS.values() for v in t.values() for c in v}
    checkins_v12 = {c for t in PULSE_CHECKINS_V12.values() for v in t.values() for c in v}
    assert not (checkins & checkins_v12)


def test_case_transform_keeps_spans():
    # recase maps one character to one: a character whose case map changes the length stays as it is
    s = "Straße İzmir ΐ ŉ Ǆ ﬁ Ab"
    for v in ("lower", "upper", "orig"):
        assert len(g.recase(s, v)) == len(s)
    assert g.recase("Jan Novák", "upper") == "JAN NOVÁK" and g.recase("İ", "lower") == "İ" and g.recase("ß", "upper") == "ß"
    # the same example drawn as written and in upper / lower case: same offsets, each span the cased span
    import random
    fam = g.FAMILY_BY_ID["v12t.case_titles"]
    for locale in ("de_DE", "tr_TR", "el_GR", "ja_JP"):
        pool = g.LocalePool(locale, 3, n=30)
        for i in range(40):
            orig = g.make_example(g.Family(**{**vars(fam), "case": ("orig",)}), locale, pool, random.Random(i), i, "t")
            for v in ("upper", "lower"):
                ex = g.make_example(g.Family(**{**vars(fam), "case": (v,)}), locale, pool, random.Random(i), i, "t")
                assert ex["variant"] == v and len(ex["text"]) == len(orig["text"]) and ex["entities"] == orig["entities"]
                assert ex["text"] == g.recase(orig["text"], v)
                for e in ex["entities"]:
                    assert ex["text"][e["start"]:e["end"]] == g.recase(orig["text"][e["start"]:e["end"]], v)
    # the families written for case are drawn in their own variants only
    for split, data in DATA.items():
        for ex in data:
            fam = g.FAMILY_BY_ID[ex["family"]]
            if fam.case:
                assert ex["variant"] in fam.case and ex["text"] == g.recase(ex["text"], ex["variant"]), ex


def test_particle_spans_exclude_the_particle():
    # a name glued to a particle or honorific (山田さん, 민준님에게, 与王伟的会议, Ayşe'ye): the PERSON span is the
    # name alone, and the letters right after it are the particle
    slots = ["{" + k + "}" for k in g.NAME_PHRASES]
    fams = {f.id for f in g.FAMILIES if any(s in t for t in _templates(f) for s in slots)}
    seen = glued = 0
    for split, data in DATA.items():
        for ex in data:
            if ex["family"] not in fams:
                continue
            seen += 1
            for e in ex["entities"]:
                if e["label"] != "PERSON":
                    continue
                span, after = ex["text"][e["start"]:e["end"]], ex["text"][e["end"]:]
                assert not any(span.endswith(p) for p in g.NAME_PARTICLES), ex
                if after[:1].isalpha() or after[:1] == "'":
                    assert any(after.startswith(p) for p in g.NAME_PARTICLES), ex
                    glued += 1
    assert seen > 50 and glued > seen / 2, (seen, glued)


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


# sha256 of every file that `python generate.py --out DIR --seed 7 --train 400` writes with 60 examples in each
# evaluation split. Moving code or data between the package's modules must leave these bytes as they are; a
# change meant to alter the data (a word, a template, the order of families or of a list, how a slot is
# filled) or another Faker version alters them, and then they are pinned again from this test's command.
PINNED_SHA256 = {
    "heldout.jsonl": "26a6918000c5160e78b227f30a96ded3c023274e2f09db607aa8a66be5580357",
    "meta.json": "54111ba51d858d2487c31fa2d92d64e8a2e41e289e22d2321cdb0bfd41f2f6a9",
    "train.jsonl": "ba896201fd1dc31e32a1bf91bbb20e7066d1fc5368376fd2e671111eafce0d40",
    "unseen.jsonl": "33494bbcf979504dd11545b689462139e84ddf9b9b2d75e6c82a8d48fa9d2d62",
    "unseen10.jsonl": "a6c63b98846336bd13fc83c93b2b9df68fc1e66a1ba68b6bd20c1cf2016d5433",
    "unseen11.jsonl": "251966cb6837f970a7ed9ba6f4b58ba8160b97971dcbc744a11b2466036a354c",
    "unseen12.jsonl": "338ee1a3e784e5c7ad8dd3cf44b1f1e9f86690e3c5b1bce160b385654d9bf8f9",
    "unseen2.jsonl": "880b553d8e8ce3ec65cc05f471976e7b1d5c2817b8d857b45ee61e08b14d2291",
    "unseen3.jsonl": "cb321665c6e78b7be8061af6ee6ade46d8a7736f7dad656843b63520722c4fd3",
    "unseen4.jsonl": "d9012a97a580ebbf1f7d3414b352190120b2e05e72f1c2b5c49cea7eb3d70a00",
    "unseen5.jsonl": "56e047339aa39e298f2cbd0f7e55a440b41a96eb7ed6662764887432ca352b29",
    "unseen6.jsonl": "06e36b524555844156d3dc95a90e4909e6aa00e2bea79959d7aa80e3f5d9152f",
    "unseen7.jsonl": "19868e08e53f56edcf709451e3b6de487108e2863c76f13a02c7ba638b5cb942",
    "unseen8.jsonl": "356fc309ff0accfef7cade40d410b6232f349ebe418cbb11042ceeb9b314afff",
    "unseen9.jsonl": "93255c2682ccb31ba80ca545ab1ed38e471edeb2091bad67bcbfdb329e6195f9",
}


def test_output_bytes_are_pinned(tmp_path, monkeypatch):
    sizes = [a for split in g.EVAL_SPLITS for a in (f"--{split}", "60")]
    monkeypatch.setattr(sys, "argv", ["generate.py", "--out", str(tmp_path), "--seed", "7", "--train", "400", *sizes])
    g.main()  # the pools for seed 7 are those DATA built, so this takes well under a second
    got = {f: hashlib.sha256((tmp_path / f).read_bytes()).hexdigest() for f in sorted(os.listdir(tmp_path))}
    assert got == PINNED_SHA256
