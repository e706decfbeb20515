#!/usr/bin/env python3
"""expect.py WHAT ARGS... - what the examples must give, computed here from
the inputs (independently of anybpf), and checks of `anybpf run --json`.

  expect.py vars PCAP PACKET.BIN   shell assignments: NPKT, NFOOBAR (frames
                                   with "foobar" after the Ethernet header),
                                   NTCP NUDP NICMP NOTHER (L4 protocol of the
                                   IPv4/IPv6 frames; other: not IP or another
                                   protocol), LOOPSUM (sum of the first 32
                                   bytes of PACKET.BIN), RBCAP (24-byte
                                   records in a 4096-byte ring buffer)
  expect.py frame PCAP N OUT       write frame N (1-based) to OUT
  expect.py events PCAP REPEAT CAP the ringbuf_read output for the capture,
                                   each frame run REPEAT times, into a ring
                                   that holds CAP events (the rest are lost)
  expect.py passed PCAP WRITTEN    WRITTEN holds exactly the frames without
                                   "foobar", in order (compared from the IP
                                   header on: a socket filter's data_out has
                                   the Ethernet header zeroed, as Linux)
  expect.py map JSON NAME K=V...   in `anybpf run --json --dump-maps` output,
                                   map NAME's little-endian values at keys K
Exit 0 when the check holds, 1 with the difference printed."""
import json
import struct
import sys


def frames(path):
    b = open(path, "rb").read()
    magic = struct.unpack("<I", b[:4])[0]
    if magic != 0xA1B2C3D4:
        sys.exit("%s: not a little-endian microsecond pcap" % path)
    off, out = 24, []
    while off + 16 <= len(b):
        caplen = struct.unpack("<I", b[off + 8:off + 12])[0]
        out.append(b[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def l4(f):
    et = struct.unpack("!H", f[12:14])[0]
    if et == 0x0800 and len(f) >= 24:
        return et, f[23]
    if et == 0x86DD and len(f) >= 21:
        return et, f[20]
    return et, 0


def main():
    what = sys.argv[1]
    if what == "vars":
        fs = frames(sys.argv[2])
        pkt = open(sys.argv[3], "rb").read()
        protos = [l4(f)[1] if l4(f)[0] in (0x0800, 0x86DD) else None for f in fs]
        print("NPKT=%d" % len(fs))
        print("NFOOBAR=%d" % sum(b"foobar" in f[14:] for f in fs))
        print("NTCP=%d" % protos.count(6))
        print("NUDP=%d" % protos.count(17))
        print("NICMP=%d" % (protos.count(1) + protos.count(58)))
        print("NOTHER=%d" % (len(fs) - protos.count(6) - protos.count(17) - protos.count(1) - protos.count(58)))
        print("LOOPSUM=%d" % sum(pkt[:32]))
        # a record: 8-byte header + the 12-byte event, rounded up to 8
        print("RBCAP=%d" % (4096 // ((8 + 12 + 7) // 8 * 8)))
    elif what == "frame":
        open(sys.argv[4], "wb").write(frames(sys.argv[2])[int(sys.argv[3]) - 1])
    elif what == "events":
        fs = frames(sys.argv[2])
        rep, cap = int(sys.argv[3]), int(sys.argv[4])
        seq = 0
        for f in fs:
            for _ in range(rep):
                et, proto = l4(f)
                if seq < cap:
                    print("event seq=%d len=%d ethertype=0x%04x l4=%d" % (seq, len(f), et, proto))
                seq += 1
        print("%d events" % min(seq, cap))
    elif what == "passed":
        want = [f[14:] for f in frames(sys.argv[2]) if b"foobar" not in f[14:]]
        got = [f[14:] for f in frames(sys.argv[3])]
        if got != want:
            print("written: %d frames, expected the %d without foobar" % (len(got), len(want)))
            return 1
    elif what == "map":
        j = json.load(open(sys.argv[2]))
        m = [m for m in j.get("maps", []) if m["name"] == sys.argv[3]]
        if not m:
            print("no map %s" % sys.argv[3])
            return 1
        vals = {}
        for e in m[0]["elements"]:
            k = int.from_bytes(bytes.fromhex(e["key"]), "little")
            v = e["value"] if "value" in e else e["values"][0]
            vals[k] = int.from_bytes(bytes.fromhex(v), "little")
        bad = []
        for kv in sys.argv[4:]:
            k, v = (int(x, 0) for x in kv.split("="))
            if vals.get(k) != v:
                bad.append("%s[%d] = %s, expected %d" % (sys.argv[3], k, vals.get(k), v))
        if bad:
            print("; ".join(bad))
            return 1
    else:
        sys.exit("expect.py: unknown check " + what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
