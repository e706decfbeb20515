stxw [%r1], %r2
stxw [%r1+1], %r2
stxw [%r1+32767], %r2
stxw [%r1-1], %r2
stxw [%r1-32768], %r2
