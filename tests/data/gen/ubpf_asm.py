"""ubpf_asm.py - a small assembler for the uBPF / bpf_conformance syntax.

Independent of anybpf's assembler and of isa.def: the mnemonic table below is
written from RFC 9669's opcode fields and the syntax the uBPF .data files use.
gen.py uses it to turn the generated assembly into instruction words for the
model, and check_model.py checks it against the `-- raw` sections of the uBPF
vectors.

    assemble(text) -> [int]  (64-bit little-endian instruction words)
"""
import re

ALU = {"add": 0x00, "sub": 0x10, "mul": 0x20, "div": 0x30, "or": 0x40,
       "and": 0x50, "lsh": 0x60, "rsh": 0x70, "mod": 0x90, "xor": 0xa0,
       "mov": 0xb0, "arsh": 0xc0}
SIGNED = {"sdiv": ("div", 1), "smod": ("mod", 1)}
JMP = {"jeq": 0x10, "jgt": 0x20, "jge": 0x30, "jset": 0x40, "jne": 0x50,
       "jsgt": 0x60, "jsge": 0x70, "jlt": 0xa0, "jle": 0xb0, "jslt": 0xc0,
       "jsle": 0xd0}
SIZE = {"w": 0x00, "h": 0x08, "b": 0x10, "dw": 0x18}
ATOMIC = {"add": 0x00, "or": 0x40, "and": 0x50, "xor": 0xa0}
PSEUDO = {"map_fd": 1, "map_value": 2, "var_addr": 3, "func": 4,
          "map_idx": 5, "map_idx_value": 6}

# classes
LD, LDX, ST, STX, ALU32, JMP64, JMP32, ALU64 = range(8)


class AsmError(Exception):
    pass


def word(op, dst=0, src=0, off=0, imm=0):
    if not -0x8000 <= off <= 0xffff:
        raise AsmError("offset %d out of range" % off)
    if not -0x80000000 <= imm <= 0xffffffff:
        raise AsmError("immediate %d out of range" % imm)
    return (op | dst << 8 | src << 12 | (off & 0xffff) << 16 |
            (imm & 0xffffffff) << 32)


def reg(t):
    m = re.fullmatch(r"%r(\d+)", t)
    if not m:
        raise AsmError("expected a register: %r" % t)
    return int(m.group(1))


def num(t):
    t = t.strip()
    neg = t.startswith("-")
    if neg or t.startswith("+"):
        t = t[1:]
    v = int(t, 16) if t.lower().startswith("0x") else int(t, 10)
    return -v if neg else v


def memop(t):
    m = re.fullmatch(r"\[\s*(%r\d+)\s*(?:([+-])\s*(\w+))?\s*\]", t)
    if not m:
        raise AsmError("expected [%%rN+off]: %r" % t)
    off = num(m.group(3)) if m.group(3) else 0
    return reg(m.group(1)), (-off if m.group(2) == "-" else off)


def split_operands(rest):
    out, cur, depth = [], "", 0
    for c in rest:
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        out.append(cur.strip())
    return out


def parse(text):
    """-> list of (mnemonic, operands, slot) and {label: slot}."""
    insns, labels, slot = [], {}, 0
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        while True:
            m = re.match(r"([A-Za-z_.$][\w.$]*):\s*(.*)", line)
            if not m:
                break
            labels[m.group(1)] = slot
            line = m.group(2)
        if not line:
            continue
        parts = line.split(None, 1)
        mn = parts[0].lower()
        rest = parts[1] if len(parts) > 1 else ""
        if mn == "lock":
            more = rest.split(None, 1)
            if more and more[0] == "fetch":
                more = more[1].split(None, 1)
                mn = "lock fetch " + more[0]
            else:
                mn = "lock " + more[0]
            rest = more[1] if len(more) > 1 else ""
        ops = split_operands(rest)
        insns.append((mn, ops, slot))
        slot += 2 if mn == "lddw" else 1
    return insns, labels


def target(t, labels, slot):
    if t in labels:
        return labels[t] - slot - 1
    if t == "exit" and "exit" in labels:
        return labels[t] - slot - 1
    return num(t)


def assemble(text):
    insns, labels = parse(text)
    if "exit" not in labels:
        for mn, ops, slot in insns:
            if mn == "exit":
                labels["exit"] = slot
                break
    out = []
    for mn, ops, slot in insns:
        try:
            out.extend(encode(mn, ops, slot, labels))
        except (AsmError, ValueError, IndexError) as e:
            raise AsmError("%s %s: %s" % (mn, ", ".join(ops), e))
    return out


def encode(mn, ops, slot, labels):
    # 32-bit suffix
    base, w32 = mn, False
    if mn.endswith("32") and mn[:-2] in list(ALU) + list(SIGNED) + ["neg"] + list(JMP) + ["ja"]:
        base, w32 = mn[:-2], True
    if mn.startswith("lock"):
        words = mn.split()
        fetch = words[1] == "fetch"
        name = words[-1]
        width = 32 if name.endswith("32") else 64
        if name.endswith("32"):
            name = name[:-2]
        d, off = memop(ops[0])
        s = reg(ops[1])
        op = 0xc3 if width == 32 else 0xdb
        if name == "xchg":
            imm = 0xe1
        elif name == "cmpxchg":
            imm = 0xf1
        else:
            imm = ATOMIC[name] | (1 if fetch else 0)
        return [word(op, d, s, off, imm)]
    if base in ALU or base in SIGNED:
        cls = ALU32 if w32 else ALU64
        off = 0
        if base in SIGNED:
            base, off = SIGNED[base]
        d = reg(ops[0])
        if ops[1].startswith("%"):
            return [word(cls | 0x08 | ALU[base], d, reg(ops[1]), off, 0)]
        return [word(cls | ALU[base], d, 0, off, num(ops[1]))]
    if base == "neg":
        return [word((ALU32 if w32 else ALU64) | 0x80, reg(ops[0]))]
    m = re.fullmatch(r"movsx(8|16|32)(32|64)", mn)
    if m:
        cls = ALU64 if m.group(2) == "64" else ALU32
        return [word(cls | 0x08 | 0xb0, reg(ops[0]), reg(ops[1]), int(m.group(1)))]
    m = re.fullmatch(r"(le|be|bswap|swap)(16|32|64)", mn)
    if m:
        op = {"le": ALU32 | 0xd0, "be": ALU32 | 0x08 | 0xd0}.get(m.group(1), ALU64 | 0xd0)
        return [word(op, reg(ops[0]), 0, 0, int(m.group(2)))]
    if mn == "ja":
        return [word(JMP64, 0, 0, target(ops[0], labels, slot), 0)]
    if mn == "ja32":
        return [word(JMP32, 0, 0, 0, target(ops[0], labels, slot))]
    if base in JMP:
        cls = JMP32 if w32 else JMP64
        d = reg(ops[0])
        off = target(ops[2], labels, slot)
        if ops[1].startswith("%"):
            return [word(cls | 0x08 | JMP[base], d, reg(ops[1]), off, 0)]
        return [word(cls | JMP[base], d, 0, off, num(ops[1]))]
    if mn == "call":
        t = ops[0].split()
        if t[0] == "local":
            return [word(JMP64 | 0x80, 0, 1, 0, target(t[1], labels, slot))]
        if t[0] == "runtime":
            return [word(JMP64 | 0x80, 0, 2, 0, num(t[1]))]
        if t[0].startswith("%"):
            return [word(JMP64 | 0x08 | 0x80, reg(t[0]))]
        return [word(JMP64 | 0x80, 0, 0, 0, num(t[0]))]
    if mn == "exit":
        return [word(JMP64 | 0x90)]
    if mn == "lddw":
        d = reg(ops[0])
        t = ops[1].split()
        if t[0] in PSEUDO:
            imm = target(t[1], labels, slot) if t[0] == "func" else num(t[1])
            imm2 = num(ops[2]) if len(ops) > 2 else 0
            return [word(0x18, d, PSEUDO[t[0]], 0, imm), word(0, 0, 0, 0, imm2)]
        v = num(ops[1])
        if not -(1 << 63) <= v < (1 << 64):
            raise AsmError("lddw immediate out of range")
        v &= (1 << 64) - 1
        return [word(0x18, d, 0, 0, v & 0xffffffff), word(0, 0, 0, 0, v >> 32)]
    m = re.fullmatch(r"ldx(s?)(b|h|w|dw)", mn)
    if m:
        d = reg(ops[0])
        s, off = memop(ops[1])
        mode = 0x80 if m.group(1) else 0x60
        return [word(LDX | mode | SIZE[m.group(2)], d, s, off)]
    m = re.fullmatch(r"st(x?)(b|h|w|dw)", mn)
    if m:
        d, off = memop(ops[0])
        if m.group(1):
            return [word(STX | 0x60 | SIZE[m.group(2)], d, reg(ops[1]), off)]
        return [word(ST | 0x60 | SIZE[m.group(2)], d, 0, off, num(ops[1]))]
    m = re.fullmatch(r"ld(abs|ind)(b|h|w)", mn)
    if m:
        if m.group(1) == "abs":
            return [word(LD | 0x20 | SIZE[m.group(2)], 0, 0, 0, num(ops[0]))]
        return [word(LD | 0x40 | SIZE[m.group(2)], 0, reg(ops[0]), 0, num(ops[1]))]
    raise AsmError("unknown mnemonic %r" % mn)
