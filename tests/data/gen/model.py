"""model.py - a small reference model of eBPF semantics (RFC 9669 + v4).

Written from the RFC text, independently of anybpf's C code and of isa.def:
it decodes raw 64-bit instruction words by their fields (class, source,
operation, mode, size) and executes them with Python integers, masking to
64 bits after every step.  It exists to compute the expected results of the
generated .data tests; it is meant to be obviously correct, not fast.

    run(words, mem=b"") -> r0        raises ModelError(kind, text) on failure

Conventions of the test harness it mirrors (issue 2, uBPF .data files):
r1 = address of the `-- mem` bytes (0 when there are none), r2 = their
length, r10 = top of a fresh 512-byte stack per frame, helper set of the
uBPF tests (0 gather_bytes, 1 memfrob, 2 no_op, 3 sqrti, 4 strcmp_ext,
5 unwind), bpf-to-bpf calls save r6-r9 and get a fresh frame.
"""

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1

STACK_SIZE = 512
MAX_CALL_DEPTH = 8        # frames including the main one (issue 2 default)
DEFAULT_BUDGET = 1 << 20  # instructions

MEM_BASE = 0x100000000        # where `-- mem` lives
FUNC_BASE = 0xf00000000       # lddw src 4 (func): FUNC_BASE + 8 * target pc
STACK_BASE = 0x700000000      # frame d's stack: STACK_BASE + d * 0x10000


class ModelError(Exception):
    """kind is one of: opcode, reserved, lddw, fallthrough, oob, budget,
    call_depth, helper, callx, unsupported."""

    def __init__(self, kind, text):
        super().__init__("%s: %s" % (kind, text))
        self.kind = kind


def sx(v, bits):
    """Sign-extend the low `bits` of v to a Python int."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def u64(v):
    return v & M64


def bswap(v, nbytes):
    return int.from_bytes((v & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "little"), "big")


def tdiv(a, b):
    """C-style division truncating toward zero, on Python ints, b != 0."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def tmod(a, b):
    """C-style remainder: a - b * tdiv(a, b); takes the sign of a."""
    return a - b * tdiv(a, b)


# ---- decoding ---------------------------------------------------------------

class Insn:
    __slots__ = ("op", "dst", "src", "off", "imm", "imm64")

    def __init__(self, word):
        self.op = word & 0xff
        self.dst = (word >> 8) & 0xf
        self.src = (word >> 12) & 0xf
        self.off = sx(word >> 16, 16)
        self.imm = sx(word >> 32, 32)
        self.imm64 = None

    def __repr__(self):
        return "Insn(op=%#x dst=%d src=%d off=%d imm=%d)" % (
            self.op, self.dst, self.src, self.off, self.imm)


# instruction classes
LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64 = range(8)

# ALU operation codes (op & 0xf0)
ALU_OPS = {0x00: "add", 0x10: "sub", 0x20: "mul", 0x30: "div", 0x40: "or",
           0x50: "and", 0x60: "lsh", 0x70: "rsh", 0x80: "neg", 0x90: "mod",
           0xa0: "xor", 0xb0: "mov", 0xc0: "arsh", 0xd0: "end"}
# jump operation codes (op & 0xf0)
JMP_OPS = {0x00: "ja", 0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset",
           0x50: "jne", 0x60: "jsgt", 0x70: "jsge", 0x80: "call", 0x90: "exit",
           0xa0: "jlt", 0xb0: "jle", 0xc0: "jslt", 0xd0: "jsle"}
SIZES = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}    # W H B DW
# atomic operations (imm)
ATOMIC_OPS = {0x00: "add", 0x40: "or", 0x50: "and", 0xa0: "xor",
              0x01: "fetch_add", 0x41: "fetch_or", 0x51: "fetch_and",
              0xa1: "fetch_xor", 0xe1: "xchg", 0xf1: "cmpxchg"}


def decode(words):
    """Words -> list of Insn (lddw takes two slots; the second is None)."""
    prog = [Insn(w) for w in words]
    i = 0
    while i < len(prog):
        ins = prog[i]
        if ins.op == 0x18:
            if i + 1 >= len(prog):
                raise ModelError("lddw", "incomplete lddw at %d" % i)
            hi = prog[i + 1]
            if hi.op or hi.dst or hi.src or hi.off:
                raise ModelError("lddw", "bad lddw second slot at %d" % i)
            ins.imm64 = ((hi.imm & M32) << 32) | (ins.imm & M32)
            prog[i + 1] = None
            i += 2
        else:
            i += 1
    return prog


def describe(ins):
    """What the RFC says this opcode/field combination is, as a short name
    such as 'alu64.sdiv.k', 'jmp32.jeq.x', 'ldx.memsx.2', 'atomic.8.xchg'.
    Raises ModelError('opcode') for combinations the RFC does not define."""
    cls, op = ins.op & 7, ins.op
    bad = ModelError("opcode", "unknown opcode %#04x" % op)
    if cls in (ALU, ALU64):
        name = ALU_OPS.get(op & 0xf0)
        if name is None:
            raise bad
        x = bool(op & 0x08)
        w = "alu64" if cls == ALU64 else "alu"
        if name == "end":
            if cls == ALU64 and x:
                raise bad
            kind = "bswap" if cls == ALU64 else ("be" if x else "le")
            if ins.imm not in (16, 32, 64):
                raise ModelError("opcode", "bad endian width %d" % ins.imm)
            return "%s.%s%d" % (w, kind, ins.imm)
        if name == "neg" and x:
            raise bad
        if name in ("div", "mod"):
            if ins.off == 1:
                name = "s" + name
            elif ins.off != 0:
                raise ModelError("opcode", "bad div/mod offset")
        if name == "mov" and x and ins.off:
            if ins.off not in ((8, 16, 32) if cls == ALU64 else (8, 16)):
                raise ModelError("opcode", "bad movsx offset")
            name = "movsx%d" % ins.off
        return "%s.%s.%s" % (w, name, "x" if x else "k")
    if cls in (JMP, JMP32):
        name = JMP_OPS.get(op & 0xf0)
        x = bool(op & 0x08)
        w = "jmp" if cls == JMP else "jmp32"
        if name is None:
            raise bad
        if name in ("ja", "exit"):
            if x:
                raise bad
            if name == "exit" and cls == JMP32:
                raise bad
            return "%s.%s" % (w, name)
        if name == "call":
            if cls == JMP32:
                raise bad
            if x:
                return "jmp.callx"
            kinds = {0: "helper", 1: "local", 2: "kfunc"}
            if ins.src not in kinds:
                raise ModelError("opcode", "bad call kind")
            return "jmp.call.%s" % kinds[ins.src]
        return "%s.%s.%s" % (w, name, "x" if x else "k")
    mode, size = op & 0xe0, SIZES[op & 0x18]
    if cls == LD:
        if op == 0x18:
            return "ld.imm64.src%d" % ins.src
        if mode in (0x20, 0x40) and size != 8:
            return "ld.%s.%d" % ("abs" if mode == 0x20 else "ind", size)
        raise bad
    if cls == LDX:
        if mode == 0x60:
            return "ldx.mem.%d" % size
        if mode == 0x80 and size != 8:
            return "ldx.memsx.%d" % size
        raise bad
    if cls == ST:
        if mode == 0x60:
            return "st.mem.%d" % size
        raise bad
    # STX
    if mode == 0x60:
        return "stx.mem.%d" % size
    if mode == 0xc0 and size in (4, 8):
        if ins.imm not in ATOMIC_OPS:
            raise ModelError("opcode", "bad atomic op %#x" % ins.imm)
        return "atomic.%d.%s" % (size, ATOMIC_OPS[ins.imm])
    raise bad


# ---- the uBPF test helpers ------------------------------------------------

class Unwind(Exception):
    pass


def _isqrt(x):
    r = 0
    while (r + 1) * (r + 1) <= x:
        r += 1
    return r


def helper_call(vm, hid, a):
    if hid == 0:       # gather_bytes: low bytes of the five arguments
        v = 0
        for x in a:
            v = (v << 8) | (x & 0xff)
        return v
    if hid == 1:       # memfrob(p, n)
        for k in range(a[1]):
            vm.store(a[0] + k, 1, vm.load(a[0] + k, 1) ^ 42)
        return 0
    if hid == 2:       # no_op
        return 0
    if hid == 3:       # sqrti
        return _isqrt(a[0])
    if hid == 4:       # strcmp_ext
        def cstr(p):
            s = b""
            while True:
                c = vm.load(p, 1)
                if c == 0:
                    return s
                s += bytes([c])
                p += 1
        x, y = cstr(a[0]), cstr(a[1])
        return u64((x > y) - (x < y))
    if hid == 5:       # unwind
        if a[0] == 0:
            raise Unwind()
        return a[0]
    raise ModelError("helper", "call to unknown helper %d" % hid)


# ---- execution ------------------------------------------------------------

class VM:
    def __init__(self, words, mem=b"", budget=DEFAULT_BUDGET):
        self.prog = decode(words)
        self.mem = bytearray(mem)
        self.stacks = {}      # depth -> bytearray
        self.budget = budget

    def func_starts(self):
        """pc 0 and every target of a local call or an lddw func."""
        starts = {0}
        for pc, ins in enumerate(self.prog):
            if ins is None:
                continue
            if (ins.op == 0x85 and ins.src == 1) or (ins.op == 0x18 and ins.src == 4):
                starts.add(pc + 1 + ins.imm)
        return starts

    # memory: a list of regions; every access must fit inside one of them
    def _region(self, addr, size, what):
        if self.mem and MEM_BASE <= addr and addr + size <= MEM_BASE + len(self.mem):
            return self.mem, addr - MEM_BASE
        for d, st in self.stacks.items():
            base = STACK_BASE + d * 0x10000
            if base <= addr and addr + size <= base + STACK_SIZE:
                return st, addr - base
        raise ModelError("oob", "out-of-bounds %s of %d bytes at %#x" % (what, size, addr))

    def load(self, addr, size):
        buf, o = self._region(addr, size, "load")
        return int.from_bytes(buf[o:o + size], "little")

    def store(self, addr, size, val):
        buf, o = self._region(addr, size, "store")
        buf[o:o + size] = (val & ((1 << (8 * size)) - 1)).to_bytes(size, "little")

    def run(self):
        prog = self.prog
        r = [0] * 11
        if self.mem:
            r[1] = MEM_BASE
            r[2] = len(self.mem)
        depth = 0
        self.stacks[0] = bytearray(STACK_SIZE)
        r[10] = STACK_BASE + STACK_SIZE
        frames = []           # (return pc, saved r6..r9)
        pc = 0
        steps = 0
        while True:
            if pc < 0 or pc >= len(prog) or prog[pc] is None:
                raise ModelError("fallthrough", "pc %d outside the code" % pc)
            steps += 1
            if steps > self.budget:
                raise ModelError("budget", "instruction budget exhausted")
            ins = prog[pc]
            what = describe(ins)
            parts = what.split(".")
            d, s = ins.dst, ins.src
            if d > 10 or s > 10:
                raise ModelError("reserved", "bad register")
            if parts[0] in ("alu", "alu64"):
                wide = parts[0] == "alu64"
                bits = 64 if wide else 32
                mask = M64 if wide else M32
                name = parts[1]
                if d == 10:
                    raise ModelError("reserved", "write to r10")
                if name in ("le16", "le32", "le64", "be16", "be32", "be64",
                            "bswap16", "bswap32", "bswap64"):
                    n = int(name[-2:]) // 8
                    v = r[d] & ((1 << (8 * n)) - 1)
                    # the host (and the model) is little-endian: le only truncates
                    r[d] = v if name.startswith("le") else bswap(v, n)
                    pc += 1
                    continue
                a = r[d] & mask
                if parts[2] == "x":
                    b = r[s] & mask
                else:
                    b = u64(ins.imm) & mask     # imm sign-extended to 64, then cut
                if name == "add":
                    v = a + b
                elif name == "sub":
                    v = a - b
                elif name == "mul":
                    v = a * b
                elif name == "div":
                    v = a // b if b else 0
                elif name == "mod":
                    v = a % b if b else a
                elif name == "sdiv":
                    sa, sb = sx(a, bits), sx(b, bits)
                    v = tdiv(sa, sb) if sb else 0      # INT_MIN/-1 wraps to INT_MIN
                elif name == "smod":
                    sa, sb = sx(a, bits), sx(b, bits)
                    v = tmod(sa, sb) if sb else a      # INT_MIN%-1 = 0
                elif name == "or":
                    v = a | b
                elif name == "and":
                    v = a & b
                elif name == "xor":
                    v = a ^ b
                elif name == "lsh":
                    v = a << (b & (bits - 1))
                elif name == "rsh":
                    v = a >> (b & (bits - 1))
                elif name == "arsh":
                    v = sx(a, bits) >> (b & (bits - 1))
                elif name == "neg":
                    v = -a
                elif name == "mov":
                    v = b
                elif name.startswith("movsx"):
                    v = sx(b, int(name[5:]))
                else:
                    raise AssertionError(name)
                r[d] = v & mask        # 32-bit results are zero-extended
                pc += 1
                continue
            if parts[0] in ("jmp", "jmp32"):
                name = parts[1]
                if name == "ja":
                    pc += 1 + (ins.imm if parts[0] == "jmp32" else ins.off)
                    continue
                if name == "exit":
                    if not frames:
                        return r[0]
                    pc, saved = frames.pop()
                    r[6:10] = saved
                    del self.stacks[depth]
                    depth -= 1
                    r[10] = STACK_BASE + depth * 0x10000 + STACK_SIZE
                    continue
                if name == "call":
                    kind = parts[2]
                    if kind == "helper":
                        try:
                            r[0] = u64(helper_call(self, ins.imm, r[1:6]))
                        except Unwind:
                            return 0
                        pc += 1
                        continue
                    if kind == "local":
                        if depth + 1 >= MAX_CALL_DEPTH:
                            raise ModelError("call_depth", "call depth limit exceeded")
                        frames.append((pc + 1, r[6:10]))
                        depth += 1
                        self.stacks[depth] = bytearray(STACK_SIZE)
                        r[10] = STACK_BASE + depth * 0x10000 + STACK_SIZE
                        pc += 1 + ins.imm
                        continue
                    raise ModelError("unsupported", "%s calls" % kind)
                if name == "callx":
                    t = r[d] - FUNC_BASE
                    if t % 8 or not 0 <= t // 8 < len(prog) or t // 8 not in self.func_starts():
                        raise ModelError("callx", "callx target %#x is no function" % r[d])
                    if depth + 1 >= MAX_CALL_DEPTH:
                        raise ModelError("call_depth", "call depth limit exceeded")
                    frames.append((pc + 1, r[6:10]))
                    depth += 1
                    self.stacks[depth] = bytearray(STACK_SIZE)
                    r[10] = STACK_BASE + depth * 0x10000 + STACK_SIZE
                    pc = t // 8
                    continue
                wide = parts[0] == "jmp"
                bits = 64 if wide else 32
                mask = M64 if wide else M32
                a = r[d] & mask
                b = (r[s] if parts[2] == "x" else u64(ins.imm)) & mask
                sa, sb = sx(a, bits), sx(b, bits)
                taken = {"jeq": a == b, "jne": a != b, "jset": (a & b) != 0,
                         "jgt": a > b, "jge": a >= b, "jlt": a < b, "jle": a <= b,
                         "jsgt": sa > sb, "jsge": sa >= sb,
                         "jslt": sa < sb, "jsle": sa <= sb}[name]
                pc += 1 + (ins.off if taken else 0)
                continue
            if parts[0] == "ld":
                if parts[1] == "imm64":
                    if ins.src == 4 and d != 10:
                        # a code address: what callx accepts (pc-relative, like call local)
                        r[d] = FUNC_BASE + 8 * (pc + 1 + ins.imm)
                        pc += 2
                        continue
                    if ins.src != 0:
                        raise ModelError("unsupported", "pseudo lddw src %d" % ins.src)
                    if d == 10:
                        raise ModelError("reserved", "write to r10")
                    r[d] = ins.imm64
                    pc += 2
                    continue
                raise ModelError("unsupported", "legacy packet loads")
            if parts[0] == "ldx":
                if d == 10:
                    raise ModelError("reserved", "write to r10")
                n = int(parts[2])
                v = self.load(u64(r[s] + ins.off), n)
                r[d] = u64(sx(v, 8 * n)) if parts[1] == "memsx" else v
                pc += 1
                continue
            if parts[0] == "st":
                self.store(u64(r[d] + ins.off), int(parts[2]), u64(ins.imm))
                pc += 1
                continue
            if parts[0] == "stx":
                self.store(u64(r[d] + ins.off), int(parts[2]), r[s])
                pc += 1
                continue
            if parts[0] == "atomic":
                n, aop = int(parts[1]), parts[2]
                mask = (1 << (8 * n)) - 1
                addr = u64(r[d] + ins.off)
                old = self.load(addr, n)
                if aop == "cmpxchg":
                    if old == r[0] & mask:
                        self.store(addr, n, r[s])
                    r[0] = old                 # zero-extended for 32-bit
                elif aop == "xchg":
                    self.store(addr, n, r[s])
                    r[s] = old
                else:
                    base = aop.replace("fetch_", "")
                    v = {"add": old + r[s], "or": old | r[s], "and": old & r[s],
                         "xor": old ^ r[s]}[base]
                    self.store(addr, n, v)
                    if aop.startswith("fetch_"):
                        r[s] = old
                pc += 1
                continue
            raise AssertionError(what)


def run(words, mem=b"", budget=DEFAULT_BUDGET):
    return VM(words, mem, budget).run()
