#!/usr/bin/env python3
"""How many dumps of the corpus of real pastes (tests/data/wild) leakscope and panicparse each read
right, by the same yardstick: for a dump to read, the goroutine count of its sidecar and no
goroutine without frames beyond those count.py (the independent counter) finds; for a dump to
refuse, no goroutine read. Prints one line per dump, then the totals.

Usage: wild.py LEAKSCOPE WILD_DIR"""
import glob
import json
import os
import re
import subprocess
import sys

PP_GROUP = re.compile(r'^(\d+): ')


def leakscope(bin, path):
    r = subprocess.run([bin, 'top', '--json', path], capture_output=True, text=True)
    if r.returncode != 0:
        return 0, 0
    d = json.loads(r.stdout)
    return sum(g['count'] for g in d['groups']), sum(g['count'] for g in d['groups'] if not g['frames'])


def panicparse(path):
    r = subprocess.run(['panicparse', '-no-color', '-parse=false', path], capture_output=True, text=True,
                       errors='replace', timeout=60)
    total = frameless = 0
    lines = (r.stdout + r.stderr).splitlines()
    for i, line in enumerate(lines):
        m = PP_GROUP.match(line)
        if m:
            n = int(m.group(1))
            total += n
            if i + 1 >= len(lines) or not lines[i + 1].startswith('    '):
                frameless += n
    return total, frameless


def main():
    bin, wild = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(wild, '*.txt')))
    right = {'leakscope': 0, 'panicparse': 0}
    for path in files:
        side = json.load(open(path[:-4] + '.json'))
        indep = json.loads(subprocess.run(['python3', os.path.join(wild, 'count.py'), path], capture_output=True,
                                          text=True, check=True).stdout.splitlines()[0])
        row = []
        for name, read in (('leakscope', lambda p: leakscope(bin, p)), ('panicparse', panicparse)):
            n, fl = read(path)
            if side['expect'] == 'refuse':
                ok = n == 0
            else:
                ok = n == side['goroutines'] and fl <= indep['frameless_goroutines']
            right[name] += ok
            row.append('%s %s (%d)' % (name, 'ok ' if ok else 'BAD', n))
        print('  %-42s %s' % (os.path.basename(path)[:-4], '  '.join(row)))
    print('corpus of %d real pastes: leakscope reads %d right, panicparse %d'
          % (len(files), right['leakscope'], right['panicparse']))


if __name__ == '__main__':
    main()
