# wild_store.s - a store 8 bytes past the end of the 512-byte stack frame.
# Raw programs are not verified, so `anybpf run` runs them in checking mode,
# which stops this one with the pc, the address and the nearest region.
mov %r0, 0
stxdw [%r10+8], %r0
exit
