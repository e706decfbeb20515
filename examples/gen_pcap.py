#!/usr/bin/env python3
"""gen_pcap.py [OUT.pcap] - write examples/packets.pcap, the examples' capture.

Twelve Ethernet frames with correct IPv4 header, TCP, UDP and ICMP
checksums, standard library only (the pcap format is a 24-byte file header
and a 16-byte header per packet).  The payloads are the seed's socket-filter
test strings: two of them contain "foobar" (packets 3 and 8).

 #  frame                                   payload
 1  IPv4 TCP SYN 10.0.0.1:40000 -> :80      -
 2  IPv4 TCP PSH 10.0.0.1:40000 -> :80      "foo"
 3  IPv4 UDP 10.0.0.1:5353 -> 10.0.0.2:53   "foobar"
 4  IPv4 UDP                                "fooba"
 5  IPv4 ICMP echo request                  "snafu"
 6  IPv4 TCP                                "bar"
 7  IPv6 TCP SYN fd00::1 -> fd00::2:443     -
 8  IPv6 TCP PSH                            "ffoobarbaz"
 9  IPv6 UDP                                "bazbarfoo"
10  IPv6 ICMPv6 echo request                "ping"
11  ARP request who-has 10.0.0.2            -
12  IPv4 UDP                                "foo bar"
"""
import struct
import sys

SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000002")
IP4_SRC, IP4_DST = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
IP6_SRC = bytes.fromhex("fd000000000000000000000000000001")
IP6_DST = bytes.fromhex("fd000000000000000000000000000002")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(ethertype, body):
    return DST_MAC + SRC_MAC + struct.pack("!H", ethertype) + body


def ipv4(proto, l4, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000,
                      64, proto, 0, IP4_SRC, IP4_DST)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return eth(0x0800, hdr + l4)


def ipv6(nxt, l4):
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(l4), nxt, 64, IP6_SRC, IP6_DST)
    return eth(0x86DD, hdr + l4)


def pseudo4(proto, l4):
    return IP4_SRC + IP4_DST + struct.pack("!BBH", 0, proto, len(l4))


def pseudo6(nxt, l4):
    return IP6_SRC + IP6_DST + struct.pack("!IxxxB", len(l4), nxt)


def with_csum(l4, at, pseudo):
    c = csum(pseudo + l4)
    return l4[:at] + struct.pack("!H", c) + l4[at + 2:]


def tcp(sport, dport, flags, payload, seq=1000):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags,
                       65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp4(payload, flags=0x18, ident=1):
    l4 = tcp(40000, 80, flags, payload)
    return ipv4(6, with_csum(l4, 16, pseudo4(6, l4)), ident)


def udp4(payload, ident):
    l4 = udp(5353, 53, payload)
    return ipv4(17, with_csum(l4, 6, pseudo4(17, l4)), ident)


def icmp4(payload, ident):
    l4 = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + payload
    return ipv4(1, with_csum(l4, 2, b""), ident)


def tcp6(payload, flags=0x18):
    l4 = tcp(40001, 443, flags, payload)
    return ipv6(6, with_csum(l4, 16, pseudo6(6, l4)))


def udp6(payload):
    l4 = udp(5353, 53, payload)
    return ipv6(17, with_csum(l4, 6, pseudo6(17, l4)))


def icmp6(payload):
    l4 = struct.pack("!BBHHH", 128, 0, 0, 1, 1) + payload
    return ipv6(58, with_csum(l4, 2, pseudo6(58, l4)))


def arp():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, SRC_MAC, IP4_SRC,
                       b"\0" * 6, IP4_DST)
    return b"\xff" * 6 + SRC_MAC + struct.pack("!H", 0x0806) + body


def packets():
    return [
        tcp4(b"", flags=0x02, ident=1),
        tcp4(b"foo", ident=2),
        udp4(b"foobar", 3),
        udp4(b"fooba", 4),
        icmp4(b"snafu", 5),
        tcp4(b"bar", ident=6),
        tcp6(b"", flags=0x02),
        tcp6(b"ffoobarbaz"),
        udp6(b"bazbarfoo"),
        icmp6(b"ping"),
        arp(),
        udp4(b"foo bar", 12),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "examples/packets.pcap"
    # little-endian pcap 2.4, microsecond timestamps, snaplen 65535, Ethernet
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, p in enumerate(packets()):
        # one packet every 1 ms from 2024-01-01T00:00:00Z: the file is the
        # same on every run
        data += struct.pack("<IIII", 1704067200, i * 1000, len(p), len(p)) + p
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
