add %r1, 0x2
add %r9, 0xffffffff
add %r1, %r2
sub %r1, %r2
mul %r1, %r2
div %r1, %r2
or %r1, %r2
and %r1, %r2
lsh %r1, %r2
rsh %r1, %r2
neg %r1
mod %r1, %r2
xor %r1, %r2
mov %r1, %r2
arsh %r1, %r2
