# ipv4_checksum.s - check the IPv4 header checksum of an Ethernet frame.
# In: r1 = the frame, r2 = its length.  Out: r0 = 0xffff when the header
# checksum is right (the ones'-complement sum of a correct header is all
# ones, whatever the byte order), 0 for a frame too short to hold one.
        r0 = 0
        if r2 < 34 goto out          # Ethernet (14) + minimal IPv4 (20)
        r3 = *(u8 *)(r1 + 14)        # version and IHL
        r3 &= 15
        r3 <<= 2                     # header length in bytes
        if r3 < 20 goto out
        r4 = r3
        r4 += 14
        if r4 > r2 goto out          # header must fit in the frame
        r5 = 0                       # the sum
        r6 = r1
        r6 += 14                     # first header word
        r4 = r6
        r4 += r3                     # end of the header
loop:
        r7 = *(u16 *)(r6 + 0)
        r5 += r7
        r6 += 2
        if r6 < r4 goto loop
fold:
        r7 = r5                      # fold the carries back in
        r7 >>= 16
        r5 &= 65535
        r5 += r7
        r7 = r5
        r7 >>= 16
        if r7 != 0 goto fold
        r0 = r5
out:
        exit
