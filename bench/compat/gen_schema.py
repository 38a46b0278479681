#!/usr/bin/env python3
"""Generates a large schema pair for benchmarking `evs breaking` against `buf breaking`.

bench/compat/gen_schema.py [--rich] OUT [FILES] [MESSAGES_PER_FILE] [FIELDS_PER_MESSAGE]
writes OUT/previous/ and OUT/current/ (defaults: 500 files x 10 messages x 10 fields = 5,000 messages,
50,000 fields, plus one enum per file), and OUT/expected_breaks.txt: the breaks planted in current/, one
`file RULE_ID` per line, for the wire-json level. --rich gives every message as well a nested message and a
field of it, two maps (one of messages), a three-member oneof, and leading, trailing and detached comments
on its fields, and plants one more break per tenth file (a field moved into the oneof). Deterministic: same
arguments, same output."""
import os
import sys

args = sys.argv[1:]
rich = "--rich" in args
args = [a for a in args if a != "--rich"]
out = args[0]
n_files = int(args[1]) if len(args) > 1 else 500
n_msgs = int(args[2]) if len(args) > 2 else 10
n_fields = int(args[3]) if len(args) > 3 else 10
TYPES = ["int32", "int64", "string", "bytes", "bool", "double", "uint32", "sint64", "fixed32"]
expected = []


def field_lines(f, m, side):
    lines = []
    for k in range(1, n_fields + 1):
        t = TYPES[(f + m + k) % len(TYPES)]
        name = "field_%d" % k
        label = "repeated " if k % 7 == 0 else ""
        planted = side == "current" and m == 0 and f % 10 == 0
        if planted and k == 1:  # type change that breaks binary and JSON readers
            t = "string" if t != "string" else "int64"
            expected.append(("FIELD_WIRE_JSON_COMPATIBLE_TYPE", f))
        if planted and k == 2:  # deleted without reservation
            expected.append(("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", f))
            expected.append(("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", f))
            continue
        if planted and k == 3:  # renamed: breaks JSON readers
            name = "renamed_%d" % k
            expected.append(("FIELD_SAME_NAME", f))
            expected.append(("FIELD_SAME_JSON_NAME", f))
        if rich and k % 3 == 0:
            lines.append("  // Field %d of message %d: what it holds, in a leading comment." % (k, m))
        if rich and k == 4:
            lines.append("")
            lines.append("  // A detached comment before field %d." % k)
            lines.append("")
        trailing = "  // trailing, field %d" % k if rich and k % 4 == 0 else ""
        lines.append("  %s%s %s = %d;%s" % (label, t, name, k, trailing))
    return lines


def rich_lines(f, m, side):
    """The nested message, maps and oneof of a --rich message; numbers above the plain fields'."""
    n = n_fields + 2
    moved = side == "current" and m == 0 and f % 10 == 0
    if moved:
        expected.append(("FIELD_SAME_ONEOF", f))
    lines = [
        "  // A type only this message uses.",
        "  message Part {",
        "    string sku = 1;",
        "    int64 quantity = 2; // units",
        "    repeated string labels = 3;",
        "  }",
        "  Part part = %d;" % n,
        "  map<string, Part> parts_by_sku = %d;" % (n + 1),
        "  map<int64, string> names = %d; // by id" % (n + 2),
        "  oneof choice {",
        "    string text = %d;" % (n + 3),
        "    Part other_part = %d;" % (n + 4),
        "    double amount = %d;" % (n + 5),
    ]
    if moved:
        lines.append("    int32 extra = %d;" % (n + 6))
    lines.append("  }")
    if not moved:
        lines.append("  int32 extra = %d;" % (n + 6))
    return lines


for side in ("previous", "current"):
    for f in range(n_files):
        pkg = "bench.p%d" % (f // 50)
        path = os.path.join(out, side, "bench", "p%d" % (f // 50), "f%d.proto" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = ['syntax = "proto3";', "", "package %s;" % pkg, ""]
        for m in range(n_msgs):
            body.append("// Message %d of file %d." % (m, f))
            body.append("message F%dM%d {" % (f, m))
            body.extend(field_lines(f, m, side))
            if m == 1:
                body.append("  E%d kind = %d;" % (f, n_fields + 1))
            if rich:
                body.extend(rich_lines(f, m, side))
            body.append("}")
            body.append("")
        body.append("enum E%d {" % f)
        body.append("  E%d_UNSPECIFIED = 0;" % f)
        body.append("  E%d_ONE = 1;" % f)
        if side == "current" and f % 50 == 25:
            body.append("  E%d_RENAMED = 2;" % f)
            expected.append(("ENUM_VALUE_SAME_NAME", f))
        else:
            body.append("  E%d_TWO = 2;" % f)
        body.append("}")
        with open(path, "w") as fp:
            fp.write("\n".join(body) + "\n")

with open(os.path.join(out, "expected_breaks.txt"), "w") as fp:
    for rule, f in sorted(expected, key=lambda e: (e[1], e[0])):
        fp.write("bench/p%d/f%d.proto %s\n" % (f // 50, f, rule))
per_msg = n_fields + (7 + 3 + 4 if rich else 0)  # a map entry type holds two fields
print("%d files, %d messages, %d fields; %d planted findings" % (
    n_files, n_files * n_msgs * (4 if rich else 1), n_files * n_msgs * per_msg, len(expected)))
