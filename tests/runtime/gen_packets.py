#!/usr/bin/env python3
"""gen_packets.py OUTDIR [N] [SEED]: write N test frames (pkt_00.bin ...,
and all of them as OUTDIR/all.pcap, Ethernet, microsecond timestamps):
IPv4 TCP/UDP/ICMP, IPv6 TCP/UDP, ARP, VLAN-tagged, truncated headers, the
shortest frame (14 bytes), a full-size one and random bytes -- the inputs
the test-run loop feeds every sample program."""
import os, random, struct, sys

def eth(dst, src, proto):
    return bytes(dst) + bytes(src) + struct.pack("!H", proto)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ipv4(proto, payload, src=(10, 0, 0, 1), dst=(10, 0, 0, 2), ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, ttl, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def ipv6(nh, payload):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + bytes(range(16)) + bytes(range(16, 32)) + payload

def tcp(sport, dport, flags=0x02, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0) + data

def udp(sport, dport, data=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    mac_a, mac_b, bcast = [0] * 6, [2, 0, 0, 0, 0, 1], [0xff] * 6
    frames = [
        eth(mac_a, mac_b, 0x0800) + ipv4(17, udp(12345, 53, b"hello anybpf")),
        eth(mac_a, mac_b, 0x0800) + ipv4(6, tcp(40000, 80, 0x02)),
        eth(mac_a, mac_b, 0x0800) + ipv4(6, tcp(443, 40000, 0x12, b"x" * 100)),
        eth(mac_a, mac_b, 0x0800) + ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01" + b"ping" * 8),
        eth(mac_a, mac_b, 0x86dd) + ipv6(6, tcp(1234, 22)),
        eth(mac_a, mac_b, 0x86dd) + ipv6(17, udp(5353, 5353, b"mdns")),
        eth(bcast, mac_b, 0x0806) + bytes(28),
        eth(mac_a, mac_b, 0x8100) + struct.pack("!HH", 100, 0x0800) + ipv4(17, udp(1, 2)),
        eth(mac_a, mac_b, 0x0800) + ipv4(17, b""),          # UDP header missing
        eth(mac_a, mac_b, 0x0800) + b"\x45\x00",            # truncated IPv4 header
        eth(mac_a, mac_b, 0x0800),                          # 14 bytes, nothing after
        eth([1, 0, 0x5e, 0, 0, 1], mac_b, 0x0800) + ipv4(17, udp(9, 9, b"m" * 20), dst=(224, 0, 0, 1)),
        eth(mac_a, mac_b, 0x0800) + ipv4(17, udp(7, 7, b"foobar in the payload")),
        eth(mac_a, mac_b, 0x0800) + ipv4(6, tcp(80, 1024, 0x18, bytes(1400))),
    ]
    while len(frames) < n:
        size = rnd.choice([14, 15, 34, 42, 54, 60, 64, 128, 512, 1514])
        frames.append(bytes(rnd.getrandbits(8) for _ in range(size)))
    os.makedirs(out, exist_ok=True)
    for i, f in enumerate(frames[:n]):
        with open(os.path.join(out, "pkt_%02d.bin" % i), "wb") as fh:
            fh.write(f)
    with open(os.path.join(out, "all.pcap"), "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames[:n]):
            fh.write(struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f)

main()
