#!/usr/bin/env python3
"""Checks `leakscope top --json` outputs against the fixture's /expected answer.

usage: check_top.py EXPECTED.json NAME=TOP.json [NAME=TOP.json ...] [--labels NAME ...]
Every pattern's group must have exactly the count the fixture reports, in every output; the
same pattern must have the same key in every output; outputs named with --labels must carry the
chansend pattern's label breakdown. Prints what it checked; exits 1 on the first mismatch."""
import json
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def find(groups, want):
    """The group whose first canonical frame is want["top"] and whose stack contains want["func"]."""
    hits = [g for g in groups
            if g["frames"] and g["frames"][0]["func"] == want["top"]
            and any(f["func"] == want["func"] for f in g["frames"])]
    if len(hits) != 1:
        return None, len(hits)
    return hits[0], 1


def main():
    args = sys.argv[2:]
    labelled = set()
    outs = []
    i = 0
    while i < len(args):
        if args[i] == "--labels":
            labelled.add(args[i + 1])
            i += 2
            continue
        name, path = args[i].split("=", 1)
        outs.append((name, json.load(open(path))))
        i += 1
    expected = json.load(open(sys.argv[1]))
    wants = {"pool": expected["pool"]}
    for name, p in expected["patterns"].items():
        wants[name] = p
        for k, r in enumerate(p.get("related", [])):
            wants["%s.related%d" % (name, k)] = r
    keys = {}
    for out_name, top in outs:
        if top["truncated"]:
            fail("%s: truncated" % out_name)
        for name, want in wants.items():
            g, n = find(top["groups"], want)
            if g is None:
                fail("%s: %d groups match %s (top %s, func %s)" % (out_name, n, name, want["top"], want["func"]))
            if g["count"] != want["count"]:
                fail("%s: %s has %d goroutines, the fixture says %d" % (out_name, name, g["count"], want["count"]))
            if name in keys and keys[name][1] != g["key"]:
                fail("%s: %s has key %s, but %s in %s" % (out_name, name, g["key"], keys[name][1], keys[name][0]))
            keys.setdefault(name, (out_name, g["key"]))
            if top["format"] == "debug=2" and want.get("state") and want["state"] not in g["states"]:
                fail("%s: %s states %s lack %s" % (out_name, name, g["states"], want["state"]))
        if out_name in labelled:
            want = expected["patterns"]["chansend"]
            g, _ = find(top["groups"], want)
            got = {ls["labels"].get(want["label_key"]): ls["count"] for ls in g["labels"]}
            if got != want["labels"]:
                fail("%s: chansend labels %s, the fixture says %s" % (out_name, got, want["labels"]))
        print("ok: %s: %d patterns with the fixture's counts" % (out_name, len(wants)))
    print("ok: the same keys in %s" % ", ".join(n for n, _ in outs))


if __name__ == "__main__":
    main()
