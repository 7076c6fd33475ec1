#!/usr/bin/env python3
"""gen_debug2.py SHAPE N OUT: writes a debug=2 dump of N goroutines on one stack, in one of the
shapes that once made parsing quadratic, or a normal one of about the same size to time against:
  states   every goroutine in a wait state of its own ("chan receive 0", "chan receive 1", ...)
  desc     wait ages descending (N minutes down to 1), one distinct age per goroutine
  mixed    20 states and 1000 ages, each recurring far apart (the order of neither helps)
  normal   the same stack, all "chan receive", ages rising through 1..30 in order
It prints what a reader must find, as JSON: count, goroutines per state, age min/max, aged ones.
"""
import json
import sys

shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
frames = (
    "main.leak(0xc000012345)\n\t/src/app/leak.go:42 +0x3d\n"
    "main.serve.func1()\n\t/src/app/serve.go:17 +0x25\n"
    "created by main.serve in goroutine 1\n\t/src/app/serve.go:15 +0x5a\n\n"
)
states, ages = {}, []
with open(out, "w") as f:
    for i in range(n):
        if shape == "states":
            state, minutes = "chan receive %d" % i, None
        elif shape == "desc":
            state, minutes = "chan receive", n - i
        elif shape == "mixed":
            state, minutes = "select %d" % (i * 7 % 20), (i * 7919) % 1000 + 1
        elif shape == "normal":
            state, minutes = "chan receive", 1 + (i * 30) // n
        else:
            sys.exit("unknown shape " + shape)
        states[state] = states.get(state, 0) + 1
        head = state if minutes is None else "%s, %d minutes" % (state, minutes)
        if minutes is not None:
            ages.append(minutes)
        f.write("goroutine %d [%s]:\n%s" % (i + 1, head, frames))
print(json.dumps({"count": n, "states": states,
                  "age_min": min(ages) if ages else None, "age_max": max(ages) if ages else None,
                  "aged": len(ages)}))
