#!/usr/bin/env python3
"""Sums what a server's trace recorded on the connections it accepted.

usage: tracesum.py TRACE_DIR
Prints "sockets=N recv=BYTES sent=BYTES" over the sockets of every process
directory (<app>_NNN; a server's trace holds only its own processes) whose
file starts with the accept that created them: the bytes the trace says the
server read and wrote, to hold against the server's own counts
(bench/servers.sh). A recv with MSG_PEEK moves nothing.
"""
import json
import os
import re
import sys

SEND = {"send", "sendto", "sendmsg", "write", "writev", "sendfile"}
RECV = {"recv", "recvfrom", "recvmsg", "read", "readv"}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tracesum.py TRACE_DIR")
    trace = sys.argv[1]
    socks = recv = sent = 0
    for proc in os.listdir(trace):
        if not re.fullmatch(r".+_[0-9]{3,}", proc) or not os.path.isdir(os.path.join(trace, proc)):
            continue
        pdir = os.path.join(trace, proc)
        for name in os.listdir(pdir):
            if not re.fullmatch(r"[0-9]+\.json", name):
                continue
            with open(os.path.join(pdir, name)) as f:
                events = [json.loads(line) for line in f if line.strip()]
            if not events or events[0]["type"] not in ("accept", "accept4") or events[0].get("fake_call"):
                continue
            socks += 1
            for e in events:
                if not e.get("success"):
                    continue
                if e["type"] in SEND:
                    sent += e["return_value"]
                elif e["type"] in RECV and not e.get("details", {}).get("flags", {}).get("MSG_PEEK"):
                    recv += e["return_value"]
    print(f"sockets={socks} recv={recv} sent={sent}")


if __name__ == "__main__":
    main()
