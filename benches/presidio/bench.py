"""Tally vs Microsoft Presidio on the same labelled desktop-event corpus (run.sh runs this).

    python bench.py --tally PATH/TO/tally --corpus corpus.jsonl --work DIR --out results.json

Runs, one after the other, each as its own child process over the whole corpus:
  * ``tally --require-model redact`` (regex recognizers + the local model),
  * ``tally --require-model --model-variant fast redact`` (the same with the 2-layer encoder),
  * ``tally --no-model redact`` (regex recognizers only),
  * Presidio asked only for the entities that map onto Tally's labels,
  * Presidio with all its default recognizers (for over-redaction; DATE_TIME, URL, ...).

Every system is scored from its own output with the same code:
  * leak rate per label: gold spans whose text still appears verbatim in the redacted
    text / gold spans of that label (the corpus guarantees a gold text occurs nowhere
    else in its line). "token leak" is stricter: a gold span also counts when any of its
    word pieces of 4+ characters survives (pieces that also occur outside gold spans in
    the input are ignored), which catches partial redactions such as "<PERSON> Smith".
  * over-redaction: share of no-PII lines whose text changed at all, and the share of
    their characters inside reported spans.
  * texts per CPU-second: texts / (user+sys CPU seconds) of the child process, from
    os.wait4 (the per-child form of getrusage(RUSAGE_CHILDREN)). For Tally that is the
    whole process: start, model load, reading, redacting, writing. For Presidio the
    headline figure is its analyze+anonymize loop alone (timed in-process with
    time.process_time, after imports, spaCy load and a warm-up text); the whole-process
    figure is reported too.
  * peak RSS: ru_maxrss of the child process.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = ["PERSON", "EMAIL", "PHONE", "LOCATION", "CREDIT_CARD", "IBAN", "NATIONAL_ID",
          "IP_ADDRESS", "USERNAME", "SECRET"]
PRESIDIO_UNSUPPORTED = {"USERNAME", "SECRET"}
SHARED = [x for x in LABELS if x not in PRESIDIO_UNSUPPORTED]
TARGET_LEAK, TARGET_OVER, TARGET_SPEED = 0.25, 0.20, 10.0


def run_child(argv, stdout_path=None, env=None):
    """Runs argv to completion; returns (cpu_s, maxrss_kib, wall_s)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if stdout_path:
        out.close()
    if p.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"bench: {argv[0]} exited with {p.returncode}")
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss, wall, err.decode(errors="replace").strip()


def byte_to_char_spans(text, spans):
    b2c, pos = {}, 0
    for i, ch in enumerate(text):
        b2c[pos] = i
        pos += len(ch.encode())
    b2c[pos] = len(text)
    return [(b2c[s["start"]], b2c[s["end"]]) for s in spans]


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def score(corpus, outputs):
    """outputs: id -> (redacted_text, [(start, end)] char spans over the input)."""
    gold, leaked, token_leaked = Counter(), Counter(), Counter()
    by_family = defaultdict(lambda: [0, 0])
    examples = defaultdict(list)
    clean_lines = clean_changed = clean_chars = clean_red_chars = 0
    for row in corpus:
        text = row["text"]
        red, spans = outputs[row["id"]]
        if not row["spans"]:
            clean_lines += 1
            clean_chars += len(text)
            clean_changed += red != text
            covered = set()
            for s, e in spans:
                covered.update(range(s, e))
            clean_red_chars += len(covered)
            continue
        masked = list(text)
        for g in row["spans"]:
            masked[g["start"]:g["end"]] = " " * (g["end"] - g["start"])
        masked = "".join(masked)
        for g in row["spans"]:
            label, t = g["label"], g["text"]
            gold[label] += 1
            by_family[row["family"]][0] += 1
            if t in red:
                leaked[label] += 1
                by_family[row["family"]][1] += 1
                if len(examples[label]) < 5:
                    examples[label].append({"text": text, "span": t})
            pieces = [p for p in re.findall(r"\w{4,}", t) if p not in masked]
            if t in red or any(p in red for p in pieces):
                token_leaked[label] += 1

    def rate(num, labels):
        n = sum(gold[x] for x in labels)
        return sum(num[x] for x in labels) / n if n else 0.0

    return {
        "leak": {x: leaked[x] / gold[x] for x in LABELS if gold[x]},
        "leaked": dict(leaked), "gold": dict(gold),
        "leak_all": rate(leaked, LABELS), "leak_shared": rate(leaked, SHARED),
        "token_leak": {x: token_leaked[x] / gold[x] for x in LABELS if gold[x]},
        "token_leak_all": rate(token_leaked, LABELS), "token_leak_shared": rate(token_leaked, SHARED),
        "over_redaction_lines": clean_changed / clean_lines if clean_lines else 0.0,
        "over_redaction_lines_n": [clean_changed, clean_lines],
        "over_redaction_chars": clean_red_chars / clean_chars if clean_chars else 0.0,
        "leak_by_family": {f: {"gold": g, "leaked": l, "rate": l / g}
                           for f, (g, l) in sorted(by_family.items())},
        "leak_examples": dict(examples),
    }


TALLY_FLAGS = {"tally": ["--require-model"], "tally_fast": ["--require-model", "--model-variant", "fast"],
               "tally_no_model": ["--no-model"]}


def run_tally(tally, corpus_in, work, name):
    out = os.path.join(work, f"{name}.out.jsonl")
    flags = TALLY_FLAGS[name]
    cpu, rss, wall, err = run_child([tally, *flags, "redact", corpus_in], out)
    rows = load_jsonl(out)
    # The fixed cost (process start, model load) alone: the same command on no input.
    empty = os.path.join(work, "empty.jsonl")
    open(empty, "w").close()
    start_cpu, _, _, _ = run_child([tally, *flags, "redact", empty], os.devnull)
    return rows, {"cpu_s": cpu, "wall_s": wall, "maxrss_kib": rss, "stderr": err,
                  "startup_cpu_s": start_cpu, "work_cpu_s": cpu - start_cpu,
                  "cpu_scope": "whole process (start, model load, read, redact, write)"}


def run_presidio(corpus_in, work, entities):
    name = f"presidio_{entities}"
    out = os.path.join(work, f"{name}.out.jsonl")
    stats = os.path.join(work, f"{name}.stats.json")
    cpu, rss, wall, _ = run_child([sys.executable, os.path.join(HERE, "presidio_run.py"),
                                   corpus_in, out, stats, "--entities", entities])
    with open(stats) as f:
        st = json.load(f)
    return load_jsonl(out), {"cpu_s": st["loop_cpu_s"], "wall_s": st["loop_wall_s"],
                             "process_cpu_s": cpu, "process_wall_s": wall, "maxrss_kib": rss,
                             "setup_cpu_s": st["setup_cpu_s"],
                             "cpu_scope": "analyze+anonymize loop only (after imports, spaCy "
                                          "load, engine set-up and one warm-up text)"}


def machine():
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        cpu = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release(), "loadavg_start": os.getloadavg()}


def score_file(corpus_path, out_path):
    """`bench.py --score OUT --corpus CORPUS`: scores one `tally redact` output file (say, another model's,
    `tally --model-dir DIR redact texts.jsonl > OUT`) with the same code as a full run, and prints it."""
    corpus = load_jsonl(corpus_path)
    by_id = {row["id"]: row["text"] for row in corpus}
    outputs = {r["id"]: (r["text"], byte_to_char_spans(by_id[r["id"]], r["pii"])) for r in load_jsonl(out_path)}
    print(json.dumps(score(corpus, outputs), indent=1))


def main():
    if "--score" in sys.argv:
        ap = argparse.ArgumentParser()
        ap.add_argument("--score", required=True)
        ap.add_argument("--corpus", required=True)
        a = ap.parse_args()
        return score_file(a.corpus, a.score)
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=3, help="runs per system (median CPU reported)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    corpus = load_jsonl(a.corpus)
    n = len(corpus)
    plain = os.path.join(a.work, "texts.jsonl")
    with open(plain, "w", encoding="utf-8") as f:
        for row in corpus:
            f.write(json.dumps({"id": row["id"], "text": row["text"]}, ensure_ascii=False) + "\n")
    info = machine()

    systems = {}
    for name, runner in [("tally", lambda: run_tally(a.tally, plain, a.work, "tally")),
                         ("tally_fast", lambda: run_tally(a.tally, plain, a.work, "tally_fast")),
                         ("tally_no_model", lambda: run_tally(a.tally, plain, a.work, "tally_no_model")),
                         ("presidio", lambda: run_presidio(plain, a.work, "tally")),
                         ("presidio_all_entities", lambda: run_presidio(plain, a.work, "all"))]:
        runs = []
        for i in range(a.repeat):
            print(f"bench: {name} over {n} texts (run {i + 1}/{a.repeat})", file=sys.stderr, flush=True)
            rows_i, perf_i = runner()
            if runs and rows_i != runs[0][0]:
                raise SystemExit(f"bench: {name} gave different outputs across runs")
            runs.append((rows_i, perf_i))
        # Outputs are identical across runs; CPU and RSS figures are the run with the
        # median CPU time (all runs kept in perf["runs"]).
        runs_by_cpu = sorted(runs, key=lambda r: r[1]["cpu_s"])
        rows, perf = runs_by_cpu[len(runs) // 2]
        perf = dict(perf, runs=[{k: v for k, v in r[1].items() if k != "stderr"} for r in runs])
        if len(rows) != n:
            raise SystemExit(f"bench: {name} returned {len(rows)} lines for {n}")
        by_id = {row["id"]: row["text"] for row in corpus}
        outputs = {}
        for r in rows:
            if "error" in r:
                raise SystemExit(f"bench: {name} failed on line {r.get('line')}")
            src = by_id[r["id"]]
            if name.startswith("tally"):
                spans = byte_to_char_spans(src, r["pii"])
            else:
                spans = [(p["start"], p["end"]) for p in r["pii"]]
            outputs[r["id"]] = (r["text"], spans)
        m = score(corpus, outputs)
        perf["texts_per_cpu_s"] = n / perf["cpu_s"]
        if "process_cpu_s" in perf:  # Presidio: cpu_s is the loop, process_cpu_s the process
            perf["texts_per_process_cpu_s"] = n / perf["process_cpu_s"]
            perf["texts_per_work_cpu_s"] = perf["texts_per_cpu_s"]
        else:  # Tally: cpu_s is the whole process; work_cpu_s leaves out start and model load
            perf["texts_per_process_cpu_s"] = perf["texts_per_cpu_s"]
            perf["texts_per_work_cpu_s"] = n / perf["work_cpu_s"] if perf["work_cpu_s"] > 0 else None
        perf["peak_rss_mib"] = perf["maxrss_kib"] / 1024
        systems[name] = {**m, "perf": perf}

    info["loadavg_end"] = os.getloadavg()
    p = systems["presidio"]

    def ratio(x, y):
        return x / y if y else None

    def targets_for(t):
        targets = {
            "leak_all": {"tally": t["leak_all"], "presidio": p["leak_all"],
                         "ratio": ratio(t["leak_all"], p["leak_all"]), "target": f"<= {TARGET_LEAK}"},
            "leak_shared": {"tally": t["leak_shared"], "presidio": p["leak_shared"],
                            "ratio": ratio(t["leak_shared"], p["leak_shared"]), "target": f"<= {TARGET_LEAK}"},
            "over_redaction": {"tally": t["over_redaction_lines"], "presidio": p["over_redaction_lines"],
                               "ratio": ratio(t["over_redaction_lines"], p["over_redaction_lines"]),
                               "target": f"<= {TARGET_OVER}"},
            "texts_per_cpu_s": {"tally": t["perf"]["texts_per_cpu_s"], "presidio": p["perf"]["texts_per_cpu_s"],
                                "ratio": ratio(t["perf"]["texts_per_cpu_s"], p["perf"]["texts_per_cpu_s"]),
                                "target": f">= {TARGET_SPEED}",
                                "note": "Tally whole process vs Presidio's analyze+anonymize loop",
                                "ratio_whole_process_both": ratio(
                                    t["perf"]["texts_per_process_cpu_s"], p["perf"]["texts_per_process_cpu_s"]),
                                "ratio_work_only_both": ratio(
                                    t["perf"]["texts_per_work_cpu_s"], p["perf"]["texts_per_work_cpu_s"])},
        }
        for k, v in targets.items():
            r = v["ratio"]
            v["met"] = None if r is None else (r >= TARGET_SPEED if k == "texts_per_cpu_s"
                                               else r <= (TARGET_OVER if k == "over_redaction" else TARGET_LEAK))
        return targets

    targets = {name: targets_for(systems[name]) for name in ("tally", "tally_fast")}
    result = {"texts": n, "repeat": a.repeat, "pii_lines": sum(1 for r in corpus if r["spans"]),
              "clean_lines": sum(1 for r in corpus if not r["spans"]),
              "distinct_texts": len({r["text"] for r in corpus}),
              "machine": info, "systems": systems, "targets": targets,
              "presidio_unsupported_labels": sorted(PRESIDIO_UNSUPPORTED)}
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
    print_table(result)


def print_table(res):
    s = res["systems"]
    names = ["tally", "tally_fast", "tally_no_model", "presidio", "presidio_all_entities"]
    heads = ["Tally (model)", "Tally (fast model)", "Tally --no-model", "Presidio", "Presidio (all ent.)"]
    w = 20
    print(f"\n{res['texts']} texts ({res['pii_lines']} with PII, {res['clean_lines']} without; "
          f"{res['distinct_texts']} distinct); {res['machine']['cores']} cores, {res['machine']['cpu']}; "
          f"CPU and RSS from the median-CPU run of {res['repeat']}")
    print(f"{'leak rate':<26}" + "".join(f"{h:>{w}}" for h in heads))
    for lab in LABELS:
        g = s["tally"]["gold"].get(lab, 0)
        cells = []
        for nm in names:
            v = s[nm]["leak"].get(lab)
            mark = "*" if nm.startswith("presidio") and lab in PRESIDIO_UNSUPPORTED else ""
            cells.append(f"{v * 100:.1f} %{mark}" if v is not None else "-")
        print(f"{'  ' + lab + f' ({g})':<26}" + "".join(f"{c:>{w}}" for c in cells))
    rows = [("leak, all labels", lambda x: f"{x['leak_all'] * 100:.1f} %"),
            ("leak, labels both support", lambda x: f"{x['leak_shared'] * 100:.1f} %"),
            ("token leak, all labels", lambda x: f"{x['token_leak_all'] * 100:.1f} %"),
            ("token leak, both support", lambda x: f"{x['token_leak_shared'] * 100:.1f} %"),
            ("no-PII lines changed", lambda x: "{:.1f} % ({}/{})".format(
                x["over_redaction_lines"] * 100, *x["over_redaction_lines_n"])),
            ("no-PII chars redacted", lambda x: f"{x['over_redaction_chars'] * 100:.1f} %"),
            ("texts/CPU-s, headline", lambda x: f"{x['perf']['texts_per_cpu_s']:,.0f}"),
            ("texts/CPU-s, whole proc.", lambda x: f"{x['perf']['texts_per_process_cpu_s']:,.0f}"),
            ("texts/CPU-s, work only", lambda x: "-" if x["perf"]["texts_per_work_cpu_s"] is None
             else f"{x['perf']['texts_per_work_cpu_s']:,.0f}"),
            ("CPU s, whole process", lambda x: f"{x['perf'].get('process_cpu_s', x['perf']['cpu_s']):.2f}"),
            ("CPU s, start+load", lambda x: f"{x['perf'].get('startup_cpu_s', x['perf'].get('setup_cpu_s', 0)):.2f}"),
            ("peak RSS", lambda x: f"{x['perf']['peak_rss_mib']:.0f} MiB")]
    for label, fn in rows:
        print(f"{label:<26}" + "".join(f"{fn(s[nm]):>{w}}" for nm in names))
    print("* Presidio has no recognizer for this label; it counts against it only in 'all labels'.")
    print("headline texts/CPU-s: Tally's whole process (start and model load included) vs "
          "Presidio's analyze+anonymize loop alone (imports, spaCy load, set-up excluded).")
    for name, head in (("tally", "Tally (model)"), ("tally_fast", "Tally (fast model)")):
        print(f"\n{head} vs Presidio (Tally's entities):")
        for k, v in res["targets"][name].items():
            r = v["ratio"]
            verdict = "n/a" if v["met"] is None else ("met" if v["met"] else "NOT met")
            rs = "n/a" if r is None else f"{r:.3f}"
            print(f"  {k:<18} Tally/Presidio = {rs:>8}  target {v['target']:<8} {verdict}")
        sp = res["targets"][name]["texts_per_cpu_s"]
        print(f"  (texts/CPU-s ratio, whole process both: {sp['ratio_whole_process_both']:.2f}; "
              f"work only both: {sp['ratio_work_only_both']:.2f})")


if __name__ == "__main__":
    main()
