#!/usr/bin/env python3
"""Writes the spool fuzzer's seeds (docs/kafka.md "Spool" format) into the directory given: valid spools,
a torn tail, a damaged record, a length with a damaged varint. usage: spool_seeds.py DIR"""
import os
import sys
import zlib


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def s(b):
    return varint(len(b)) + b


def opt(b):
    return b"\x00" if b is None else b"\x01" + s(b)


def record(topic, key, headers, value, error):
    body = s(topic) + opt(key) + varint(len(headers))
    for name, val in headers:
        body += s(name) + opt(val)
    body += opt(value) + s(error)
    return varint(len(body)) + body + zlib.crc32(body).to_bytes(4, "little")


HDR = b"EVSSPOOL\x01"
r1 = record(b"task-events", b"user-1", [(b"ce_id", b"0190b0a0-0000-7000-8000-000000000001"),
                                        (b"ce_type", b"task.created"), (b"nullhdr", None)],
            b"\x08\x01\x12\x03abc", b"_MSG_TIMED_OUT: Local: Message timed out")
r2 = record(b"t", None, [], None, b"")
r3 = record(b"reminders", b"k", [(b"ce_id", b"x")], bytes(range(40)), b"_TRANSPORT: down")
seeds = {
    "one": HDR + r1,
    "three": HDR + r1 + r2 + r3,
    "empty": HDR,
    "torn_tail": HDR + r1 + r3[:-5],
    "damaged_middle": HDR + r1 + r2[:3] + b"Z" + r2[4:] + r3,
    "bad_length": HDR + b"\xff\xff\x7f" + r1[3:] + r3,
    "overflow_varint": HDR + b"\x8b" + b"\x80" * 8 + b"\x02" + r2[1:],
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name + ".spool"), "wb") as f:
        f.write(data)
