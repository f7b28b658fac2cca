#!/usr/bin/env python3
"""Boots the Linux sample under a command whose stdio is the guest console (QEMU
-nographic, or `hyperscope run`), waits for the shell prompt, types commands one
at a time (each after the previous prompt), and reports the times.

    samples/linux/boot-check.py [--timeout S] [-c CMD]... -- COMMAND ARGS...

Default commands: uname -a; cat /proc/cpuinfo; poweroff. The console output is
copied to stdout; a summary (time to prompt, time to exit, exit status) goes to
stderr. Exit status: 0 if the prompt came and the VM ended by itself, else 1.
"""
import argparse
import os
import re
import selectors
import subprocess
import sys
import time

PROMPT = re.compile(rb'(^|\n)[^\n]*# $')


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--timeout', type=float, default=120.0)
    ap.add_argument('-c', dest='cmds', action='append')
    ap.add_argument('command', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ['--'] else a.command
    cmds = a.cmds or ['uname -a', 'cat /proc/cpuinfo', 'poweroff']
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    buf = b''
    first_prompt = None
    pending = list(cmds)
    while True:
        left = a.timeout - (time.monotonic() - start)
        if left <= 0:
            p.kill()
            print(f'\nboot-check: timeout after {a.timeout:.0f} s', file=sys.stderr)
            break
        if not sel.select(timeout=min(left, 0.5)):
            continue
        data = os.read(p.stdout.fileno(), 65536)
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        buf = (buf + data)[-4096:]
        if PROMPT.search(buf):
            buf = b''
            if first_prompt is None:
                first_prompt = time.monotonic() - start
            if pending:
                p.stdin.write(pending.pop(0).encode() + b'\n')
                p.stdin.flush()
    rc = p.wait()
    total = time.monotonic() - start
    fp = f'{first_prompt:.2f} s' if first_prompt is not None else 'never'
    print(f'\nboot-check: prompt after {fp}, exit after {total:.2f} s, status {rc}', file=sys.stderr)
    return 0 if first_prompt is not None and not pending and rc == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
