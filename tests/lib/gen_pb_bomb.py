#!/usr/bin/env python3
"""gen_pb_bomb.py KIND OUT: writes a gzip'd profile.proto that is a well-formed goroutine profile
with one part blown up to about 240 MB inflated (under the 256 MiB inflate cap), to check that the
reader's memory stays bounded:
  strings  ~80M one-byte strings in the string table
  samples  ~40M samples, each one goroutine on one location
  labels   ~20M samples, each with one label
  groups   2^18 distinct stacks of 24 frames drawn from two functions with 1 KiB names
  names    one 8 MiB function name on every frame of 64 samples of 128 frames
  frames   110,000 samples of 128 frames each: big, but within what is accepted (it reads)
  normal   a small real-looking profile (3 stacks), to see that normal profiles still read
The wire format is written by hand here (profile.proto field numbers), not by leakscope.
"""
import sys
import zlib

TARGET = 240 << 20


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def ld(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def vint(field, v):
    return key(field, 0) + varint(v)


def sample(locs, value=1, labels=()):
    body = b"".join(vint(1, l) for l in locs) + vint(2, value)
    for k, s in labels:
        body += ld(3, vint(1, k) + vint(2, s))
    return ld(2, body)


def location(lid, funcs):
    return ld(4, vint(1, lid) + b"".join(ld(4, vint(1, f) + vint(2, 10 + i)) for i, f in enumerate(funcs)))


def function(fid, name, file):
    return ld(5, vint(1, fid) + vint(2, name) + vint(4, file))


def strings(table):
    return b"".join(ld(6, s) for s in table)


HEAD = ld(1, vint(1, 1) + vint(2, 2)) + ld(11, vint(1, 1) + vint(2, 2)) + vint(12, 1)
BASE = [b"", b"goroutine", b"count", b"main.leak", b"/src/app/leak.go", b"k", b"v"]


def repeated(block, n):
    """Yields block n times, in chunks of about 1 MiB."""
    per = max(1, (1 << 20) // len(block))
    chunk = block * per
    while n > 0:
        k = min(n, per)
        yield chunk if k == per else block * k
        n -= k


def parts(kind):
    if kind == "normal":
        yield HEAD + sample([1], 600) + sample([2], 30) + sample([1, 2], 7, [(5, 6)])
        yield location(1, [1]) + location(2, [2]) + function(1, 3, 4) + function(2, 7, 4)
        yield strings(BASE + [b"main.serve"])
        return
    if kind == "groups":
        names = [b"main.f" + b"x" * 1024, b"main.g" + b"y" * 1024]
        yield HEAD + location(1, [1]) + location(2, [2]) + function(1, 3, 4) + function(2, 7, 4)
        yield b"".join(sample([1 + (i >> b & 1) for b in range(24)]) for i in range(1 << 18))
        yield strings(BASE[:3] + [names[0], b"/src/app/leak.go", b"k", b"v", names[1]])
        return
    if kind == "frames":
        yield HEAD + location(1, [1]) + function(1, 3, 4)
        yield from repeated(sample([1] * 128), 110000)
        yield strings(BASE)
        return
    if kind == "names":
        yield HEAD + b"".join(sample([1] * 128) for _ in range(64))
        yield location(1, [1]) + function(1, 3, 4)
        yield strings(BASE[:3] + [b"main." + b"n" * (8 << 20), b"/src/app/leak.go"])
        return
    yield HEAD + sample([1]) + location(1, [1]) + function(1, 3, 4)
    if kind == "strings":
        yield strings(BASE)
        block = ld(6, b"a")
    elif kind == "samples":
        block = sample([1])
    elif kind == "labels":
        block = sample([1], 1, [(5, 6)])
    else:
        sys.exit("unknown kind " + kind)
    yield from repeated(block, TARGET // len(block))
    if kind != "strings":
        yield strings(BASE)


kind, out = sys.argv[1], sys.argv[2]
z = zlib.compressobj(6, zlib.DEFLATED, 16 + 15)
size = 0
with open(out, "wb") as f:
    for p in parts(kind):
        size += len(p)
        f.write(z.compress(p))
    f.write(z.flush())
print(size)
