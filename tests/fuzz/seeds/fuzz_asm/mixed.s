LBB0_1:
  r1 = 0 ll
  ld_pseudo	r1, 2, 4294967295, 8
  lock *(u64 *)(r0 + 0) += r1
  if r1 < 10 goto LBB0_1 <LBB0_1>
  call local f
  exit
f: swap16 %r1 ; c
  lock fetch xor32 [%r1 - 2], %r3 // c
  r0 = *(u8 *)skb[r1 + 3]
  gotol -1
  exit # done
