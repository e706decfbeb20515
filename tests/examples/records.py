#!/usr/bin/env python3
"""records.py WHAT ARGS... - the ring buffer records `anybpf run --dump-maps`
printed for examples/ringbuf_events.c, as tests/examples/ringbuf_read.c
prints them ("event seq=N len=N ethertype=0xNNNN l4=N" lines, then
"N events"), so that tests/examples/run.sh compares them with
`expect.py events`.

  records.py json OUT.json MAP   the records of map MAP in `run --json` output
                                 (each element's "data" hex)
  records.py text OUT.txt MAP    the same from the text output (the hex
                                 lines under "record N (S bytes):")
  records.py formatted OUT.json MAP
                                 the same from each element's BTF-typed
                                 "formatted" object (run ... record=event)
  records.py pcap1 FRAME OUT     write a capture holding the one frame FRAME
"""
import json
import struct
import sys


def line(seq, ln, et, l4):
    return "event seq=%d len=%d ethertype=0x%04x l4=%d" % (seq, ln, et, l4)


def decode(b):
    if len(b) != 12:
        return "record of %d bytes, expected 12" % len(b)
    seq, ln, et, l4 = struct.unpack("<IHHB3x", b)
    return line(seq, ln, et, l4)


def the_map(path, name):
    j = json.load(open(path))
    m = [m for m in j.get("maps", []) if m["name"] == name]
    if not m:
        sys.exit("no map %s in %s" % (name, path))
    return m[0]


def main():
    what = sys.argv[1]
    out = []
    if what == "json":
        for e in the_map(sys.argv[2], sys.argv[3])["elements"]:
            b = bytes.fromhex(e["data"])
            if e["size"] != len(b):
                out.append("size %d but %d bytes of data" % (e["size"], len(b)))
            out.append(decode(b))
    elif what == "formatted":
        for e in the_map(sys.argv[2], sys.argv[3])["elements"]:
            f = e["formatted"]
            out.append(line(f["seq"], f["len"], f["ethertype"], f["l4proto"]))
    elif what == "text":
        cur, inmap = None, False
        for ln in open(sys.argv[2]):
            if ln.startswith("map '"):
                inmap = ln.startswith("map '%s' " % sys.argv[3])
                continue
            if not inmap:
                continue
            if ln.startswith("record "):
                if cur is not None:
                    out.append(decode(cur))
                cur = b""
            elif cur is not None and ln.startswith("  ") and ln[2:6].isalnum() and ln[6] == ":":
                cur += bytes.fromhex(ln[7:].strip())
            elif cur is not None:
                out.append(decode(cur))
                cur = None
        if cur is not None:
            out.append(decode(cur))
    elif what == "pcap1":
        f = open(sys.argv[2], "rb").read()
        hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        open(sys.argv[3], "wb").write(hdr + struct.pack("<IIII", 0, 0, len(f), len(f)) + f)
        return 0
    else:
        sys.exit("records.py: unknown %s" % what)
    for o in out:
        print(o)
    print("%d events" % len(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
