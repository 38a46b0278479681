#!/usr/bin/env python3
"""Writes the JSON benchmark's corpora (bench/json/run.sh): one JSON document per line, deterministic (fixed
seed), each for one message type of the catalog or of bench/json/proto/evs/bench/v1/bench.proto.

usage: gen_corpus.py <dir> [messages per corpus (default 1000)]
Prints one line per corpus: "<name> <message type> <file>".
"""
import base64
import json
import math
import random
import struct
import sys

R = random.Random(20261206)


def full_double():
    """A double with 15-17 significant digits: uniform in a range, or random bits (any exponent)."""
    if R.random() < 0.6:
        return R.uniform(-1e6, 1e6)
    while True:
        d = struct.unpack("<d", R.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(d):
            return d


def short_double():
    return round(R.uniform(-10000, 10000), R.choice([0, 1, 2, 3]))


def float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def uuid():
    h = "%032x" % R.getrandbits(128)
    return "%s-%s-4%s-a%s-%s" % (h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])


def timestamp():
    return "2026-%02d-%02dT%02d:%02d:%02d.%03dZ" % (R.randint(1, 12), R.randint(1, 28), R.randint(0, 23),
                                                   R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))


def big_int64(signed=True):
    """25 % of values beyond 2^53 (as strings, as ProtoJSON writes them), the rest small numbers."""
    if R.random() < 0.25:
        v = R.randint(2**53 + 1, 2**63 - 1)
        return str(-v if signed and R.random() < 0.3 else v)
    return R.randint(0, 100000)


WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()
UNICODE = ["naïve", "café", "Straße", "Ελληνικά", "русский", "日本語", "中文", "한국어", "עברית", "العربية",
           "emoji 😀🚀", "math ∑∫√", "€£¥"]


def text(n):
    return " ".join(R.choice(WORDS) for _ in range(n))


def workflow(i):
    data = {
        "status": R.choice(["success", "failed", "running"]),
        "tasks_completed": R.randint(0, 50),
        "duration_seconds": full_double() if R.random() < 0.5 else R.uniform(0, 5000),
        "score": R.random(),
        "input": {"symbol": "AAPL", "timeframe": "1h", "limit": R.randint(1, 500),
                  "threshold": R.uniform(-1, 1)},
        "owner": "team-data-%d" % R.randint(0, 12),
        "dry_run": R.random() < 0.5,
        "tags": ["nightly", "etl", "v%d" % R.randint(0, 9)],
        "tasks": [{"id": k, "status": R.choice(["completed", "running"]), "ms": R.uniform(0, 1e5)}
                  for k in range(R.randint(1, 4))],
        "error": None,
    }
    return {"event_id": uuid(), "event_type": R.choice(["workflow.triggered", "workflow.completed",
                                                         "workflow.failed"]),
            "timestamp": timestamp(), "source": R.choice(["airflow", "langgraph", "fastapi"]),
            "workflow_id": "etl_dag_%d" % R.randint(0, 97), "workflow_run_id": "run_" + uuid(),
            "payload": {"data": data},
            "metadata": {"environment": R.choice(["dev", "staging", "prod"]), "version": "1.0"}}


def task(i):
    d = {"title": "Task %d: %s" % (i, text(3)), "description": text(R.randint(4, 12)),
         "completed": R.random() < 0.5, "priority": R.choice(["low", "medium", "high", "urgent"]),
         "due_date": timestamp(), "tags": [R.choice(WORDS) for _ in range(R.randint(0, 4))]}
    if R.random() < 0.5:
        d["recurring_pattern"] = R.choice(["daily", "weekly"])
    return {"event_type": R.choice(["task.created", "task.updated", "task.completed"]),
            "task_id": str(big_int64(False)), "user_id": "user-%d" % R.randint(0, 99999), "task_data": d,
            "timestamp": timestamp(), "correlation_id": uuid()}


def measurements(gen):
    def f(i):
        return {"sensor": "sensor-%d" % R.randint(0, 999), "value": gen(), "min": gen(), "max": gen(),
                "samples": [gen() for _ in range(R.randint(4, 12))],
                "ratio": float32(gen()) if gen is short_double else float32(R.random()),
                "weights": [float32(R.uniform(-1, 1)) for _ in range(3)], "at": timestamp()}
    return f


def counters(i):
    return {"id": big_int64(), "bytes": big_int64(False), "delta": big_int64(), "hash": big_int64(False),
            "offset": big_int64(), "history": [big_int64() for _ in range(R.randint(2, 8))],
            "checkpoints": [big_int64(False) for _ in range(R.randint(1, 4))], "shard": R.randint(-5, 100)}


def escaped_string(n):
    pieces = ['"quoted"', "back\\slash", "tab\t", "new\nline", "\r", "\x01\x1f", "</script>", "a/b", " plain "]
    return "".join(R.choice(pieces) for _ in range(n))


def document(i):
    return {"id": uuid(), "title": text(6),
            "body": " ".join(text(12) + "." for _ in range(R.randint(10, 25))),
            "escaped": escaped_string(R.randint(8, 20)),
            "unicode": " ".join(R.choice(UNICODE) for _ in range(R.randint(6, 16))),
            "lines": [text(R.randint(2, 8)) for _ in range(R.randint(2, 6))],
            "blob": base64.b64encode(R.randbytes(R.randint(16, 120))).decode()}


def value(depth):
    if depth <= 0 or R.random() < 0.3:
        return R.choice([lambda: text(R.randint(1, 3)), full_double, short_double, lambda: R.randint(-1000, 1000),
                         lambda: R.random() < 0.5, lambda: None])()
    if R.random() < 0.6:
        return {R.choice(WORDS) + str(k): value(depth - 1) for k in range(R.randint(2, 4))}
    return [value(depth - 1) for _ in range(R.randint(1, 3))]


def envelope(i):
    data = {"level%d" % k: value(R.randint(4, 7)) for k in range(2)}
    data["meta"] = {"id": uuid(), "n": R.randint(0, 100)}
    return {"kind": R.choice(WORDS), "data": data, "extra": value(3)}


def inventory(i):
    return {"attributes": {"%s_%d" % (R.choice(WORDS), k): text(R.randint(1, 3)) for k in range(8)},
            "counts": {"%s_%d" % (R.choice(WORDS), k): big_int64() for k in range(6)},
            "labels": {str(R.randint(-1000, 100000)): {"name": R.choice(WORDS), "weight": R.randint(0, 100)}
                       for _ in range(4)},
            "prices": {"sku-%d" % R.randint(0, 99999): short_double() for _ in range(6)},
            "flags": {str(R.randint(0, 2**64 - 1)): R.random() < 0.5 for _ in range(4)}}


LEVELS = ["LEVEL_LOW", "LEVEL_MID", "LEVEL_HIGH"]


def small():
    return {"a": R.randint(0, 100), "b": R.random() < 0.5, "c": R.choice(LEVELS)}


def flat(i):
    m = {"f1": R.randint(0, 100), "f2": R.randint(-100, 100), "f3": R.randint(0, 10**6), "f4": R.randint(1, 9),
         "f5": R.randint(0, 1000), "f6": R.randint(0, 70000), "f7": R.randint(-50, 50), "f8": R.randint(-1, 1),
         "f9": True, "f10": R.random() < 0.5, "f11": R.random() < 0.5, "f12": True,
         "f13": R.choice(LEVELS), "f14": R.choice(LEVELS), "f15": R.choice(WORDS), "f16": "x%d" % i,
         "f17": R.choice(["", "a", "ab"]) or "abc", "f18": R.choice(WORDS)[:3], "f19": R.randint(0, 10**9),
         "f20": str(R.randint(-10**12, 10**12)), "f21": R.randint(0, 2**32 - 1), "f22": R.randint(-1000, 1000),
         "f23": 0.5 * R.randint(0, 20), "f24": short_double(), "f25": R.randint(0, 9), "f26": False,
         "f27": "opt", "f28": [R.randint(0, 9) for _ in range(4)], "f29": [True, False],
         "f30": [R.choice(LEVELS) for _ in range(2)], "f31": small(), "f32": [small() for _ in range(2)],
         "userCount": R.randint(0, 5000), "errorRateBp": R.randint(0, 10000), "isActive": R.random() < 0.5,
         "regionCode": R.choice(["eu", "us", "ap"])}
    return m


CORPORA = [
    ("workflow", "evs.events.workflow.v1.WorkflowEvent", workflow),
    ("task", "evs.events.tasks.v1.TaskEvent", task),
    ("doubles_full", "evs.bench.v1.Measurements", measurements(full_double)),
    ("doubles_short", "evs.bench.v1.Measurements", measurements(short_double)),
    ("int64", "evs.bench.v1.Counters", counters),
    ("strings", "evs.bench.v1.Document", document),
    ("struct_deep", "evs.bench.v1.Envelope", envelope),
    ("maps", "evs.bench.v1.Inventory", inventory),
    ("flat", "evs.bench.v1.Flat", flat),
]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    for name, typ, make in CORPORA:
        path = "%s/%s.jsonl" % (out, name)
        with open(path, "w", encoding="utf-8") as f:
            for i in range(n):
                # A third of the documents escape every non-ASCII character (\\uXXXX, surrogate pairs).
                f.write(json.dumps(make(i), ensure_ascii=(i % 3 == 2), separators=(",", ":")) + "\n")
        print(name, typ, path)


if __name__ == "__main__":
    main()
