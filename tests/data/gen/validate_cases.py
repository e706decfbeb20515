"""validate_cases.py - the load-time validation tests (tests/data/validate/).

Each test is a raw program (hex words, so that any field can be set) with one
defect and the error it must be refused with, written as the text of our
error kind (include/anybpf.h ANYBPF_ERRORS), which `anybpf test` matches.
The instruction words are built here from the RFC 9669 field layout; the row
each test aims at is looked up in isa.def so that a test never silently aims
at a row that does not exist.
"""

import ubpf_asm

E = {
    "opcode": "unknown opcode",
    "dst": "invalid destination register",
    "src": "invalid source register",
    "r10": "write to the read-only frame pointer r10",
    "reserved": "reserved field is not zero",
    "bad_off": "offset field names no instruction",
    "bad_imm": "immediate field names no instruction",
    "bad_src": "source field names no instruction",
    "incomplete": "incomplete lddw",
    "second": "invalid lddw second slot",
    "range": "jump out of range",
    "lddw_mid": "jump into the middle of lddw",
    "loop": "infinite loop",
    "fall": "falls through the end of the code",
    "pseudo": "lddw refers to an object the program does not have",
    "depth": "call depth limit exceeded",
    "oob": "out-of-bounds memory access",
    "budget": "instruction budget exhausted",
    "helper": "call to an unknown helper",
    "callx": "callx target is not a function",
    "kfunc": "kfunc calls are not supported",
}

# error text -> model.ModelError kinds that agree with it (programs/ check)
MODEL_KINDS = {
    "call depth": ("call_depth",), "out-of-bounds": ("oob",), "budget": ("budget",),
    "unknown helper": ("helper",), "callx": ("callx",), "kfunc": ("unsupported",),
    "lddw refers": ("unsupported",),
}


def kind_of(text):
    for k, v in MODEL_KINDS.items():
        if k in text:
            return v
    return None


W = ubpf_asm.word
EXIT = W(0x95)
MOV0 = W(0xb7, 0, 0, 0, 0)          # mov %r0, 0


def lddw(dst, v, src=0):
    return [W(0x18, dst, src, 0, v & 0xffffffff), W(0, 0, 0, 0, (v >> 32) & 0xffffffff)]


def cases(rows):
    """-> list of (name, [comment lines], [words], error key)."""
    by_id = {r.id: r for r in rows}

    def op(rid):
        return by_id[rid].opcode

    t = []

    def add(name, comment, words, key):
        t.append((name, [comment] if isinstance(comment, str) else comment, words, key))

    # -- unknown opcodes: bytes no row has
    known = {r.opcode for r in rows}
    for code, why in [(0x00, "LD class, mode IMM, size W (only DW is lddw)"),
                      (0x8f, "ALU64 NEG with the X source bit"),
                      (0xe7, "ALU64 operation 0xe0 does not exist"),
                      (0xf4, "ALU operation 0xf0 does not exist"),
                      (0xdf, "ALU64 END with the X source bit"),
                      (0x0e, "JMP32 JA with the X source bit"),
                      (0x96, "JMP32 EXIT"), (0x86, "JMP32 CALL"), (0xe5, "JMP operation 0xe0"),
                      (0x99, "LDX MEMSX with size DW"), (0xe3, "STX mode 0xe0"),
                      (0xc2, "ST ATOMIC (atomics take a register)"), (0xd3, "STX ATOMIC size B"),
                      (0x38, "LD ABS size DW"), (0xff, "0xff")]:
        assert code not in known, hex(code)
        add("opcode_%02x" % code, "opcode 0x%02x: %s" % (code, why),
            [MOV0, W(code, 0, 0, 0, 0), EXIT], "opcode")

    # -- reserved fields: every field a format says must be zero, on a row
    #    whose opcode byte has a single row (so no field tells rows apart)
    reserved = [
        ("ADD64_K", "src", dict(src=1)), ("ADD64_K", "off", dict(off=1)),
        ("ADD32_K", "src", dict(src=2)), ("ADD32_K", "off", dict(off=-1)),
        ("ADD64_X", "off", dict(off=1)), ("ADD64_X", "imm", dict(imm=1)),
        ("XOR32_X", "imm", dict(imm=-1)),
        ("MOV64_K", "src", dict(src=1)), ("MOV64_K", "off", dict(off=8)),
        ("MOV32_K", "off", dict(off=16)),
        ("MOV64_X", "imm", dict(imm=1)),
        ("NEG64", "src", dict(src=1)), ("NEG64", "off", dict(off=1)), ("NEG64", "imm", dict(imm=1)),
        ("NEG32", "imm", dict(imm=32)),
        ("LE16", "src", dict(src=1)), ("LE16", "off", dict(off=1)),
        ("BSWAP64", "src", dict(src=1)),
        ("JA", "dst", dict(dst=1)), ("JA", "src", dict(src=1)), ("JA", "imm", dict(imm=1)),
        ("JA32", "dst", dict(dst=1)), ("JA32", "src", dict(src=1)), ("JA32", "off", dict(off=1)),
        ("JEQ_K", "src", dict(src=1)), ("JSLE32_K", "src", dict(src=3)),
        ("JEQ_X", "imm", dict(imm=1)), ("JSET32_X", "imm", dict(imm=7)),
        ("CALL", "dst", dict(dst=1)), ("CALL", "off", dict(off=1)),
        ("CALL_LOCAL", "dst", dict(dst=1)), ("CALL_LOCAL", "off", dict(off=1)),
        ("CALLX", "src", dict(src=1)), ("CALLX", "off", dict(off=1)), ("CALLX", "imm", dict(imm=1)),
        ("EXIT", "dst", dict(dst=1)), ("EXIT", "src", dict(src=1)), ("EXIT", "off", dict(off=1)),
        ("EXIT", "imm", dict(imm=1)),
        ("LDDW", "off", dict(off=1)),
        ("LDABSW", "dst", dict(dst=1)), ("LDABSW", "src", dict(src=1)), ("LDABSW", "off", dict(off=1)),
        ("LDINDB", "dst", dict(dst=1)), ("LDINDB", "off", dict(off=1)),
        ("LDXW", "imm", dict(imm=1)), ("LDXSB", "imm", dict(imm=-1)),
        ("STW", "src", dict(src=1)), ("STDW", "src", dict(src=10)),
        ("STXDW", "imm", dict(imm=1)), ("STXB", "imm", dict(imm=0x100)),
    ]
    for rid, field, f in reserved:
        r = by_id[rid]
        fields = dict(dst=0, src=0, off=0, imm=0)
        # operands a valid instruction of this row has
        if r.fmt in ("ALU_K", "ALU_X", "MOV_K", "MOV_X", "UNARY", "LDX"):
            fields["dst"] = 1
        if r.fmt in ("ALU_X", "MOV_X", "JCC_X", "STX"):
            fields["src"] = 2
        if r.fmt in ("LDX",):
            fields["src"] = 10
            fields["off"] = -8
        if r.fmt in ("ST", "STX"):
            fields["dst"] = 10
            fields["off"] = -8
        if r.fmt == "LDIND":
            fields["src"] = 1
        if r.op in ("LE", "BE", "BSWAP"):
            fields["imm"] = r.bits
        if r.fmt == "CALLX":
            fields["dst"] = 1
        if rid == "CALL":
            fields["imm"] = 2
        fields.update(f)
        prologue = [W(0xb7, 1, 0, 0, 0), W(0xb7, 2, 0, 0, 0)]     # r1 = r2 = 0
        if r.fmt == "LDDW":
            body = [W(r.opcode, 1, fields["src"], fields["off"], 5), W(0, 0, 0, 0, 0)]
        elif r.fmt in ("JA", "JCC_K", "JCC_X"):
            body = [W(r.opcode, fields["dst"], fields["src"], fields["off"] or 0, fields["imm"])]
        elif r.fmt == "JA32":
            body = [W(r.opcode, fields["dst"], fields["src"], fields["off"], fields["imm"] or 0)]
        elif r.fmt == "CALL_LOCAL":
            # the callee is the exit right after
            body = [W(r.opcode, fields["dst"], 1, fields["off"], 1), EXIT]
        else:
            body = [W(r.opcode, fields["dst"], fields["src"], fields["off"], fields["imm"])]
        words = prologue + body + [MOV0, EXIT]
        add("reserved_%s_%s" % (rid.lower(), field),
            "%s (%s) with %s = %d, which its format reserves (must be 0)"
            % (rid, r.ubpf, field, f[field]), words, "reserved")

    # -- the field that tells rows of one opcode byte apart names no row
    for rid, field, f, key in [
            ("DIV64_K", "off", dict(off=2), "bad_off"), ("SMOD32_X", "off", dict(off=-1), "bad_off"),
            ("MOV64_X", "off", dict(off=1), "bad_off"), ("MOV32_X", "off", dict(off=32), "bad_off"),
            ("MOV64_X", "off", dict(off=64), "bad_off"),
            ("LE16", "imm", dict(imm=8), "bad_imm"), ("BE64", "imm", dict(imm=0), "bad_imm"),
            ("BSWAP16", "imm", dict(imm=48), "bad_imm"),
            ("AADD64", "imm", dict(imm=0x02), "bad_imm"), ("AXCHG32", "imm", dict(imm=0xe0), "bad_imm"),
            ("ACMPXCHG64", "imm", dict(imm=0xf0), "bad_imm"),
            ("CALL", "src", dict(src=3), "bad_src"), ("LDDW", "src", dict(src=7), "bad_src")]:
        r = by_id[rid]
        fields = dict(dst=1, src=0, off=0, imm=0)
        if r.fmt in ("ALU_X", "MOV_X"):
            fields["src"] = 2
        if r.fmt == "ATOMIC":
            fields.update(dst=10, src=2, off=-8)
        if rid == "CALL":
            fields["dst"] = 0
        fields.update(f)
        body = [W(r.opcode, fields["dst"], fields["src"], fields["off"], fields["imm"])]
        if r.fmt == "LDDW":
            body.append(W(0, 0, 0, 0, 0))
        add("%s_%s_%s%d" % (key, rid.lower(), field, f[field] & 0xffff),
            "%s's opcode 0x%02x with %s = %d: no row of that opcode has it"
            % (rid, r.opcode, field, f[field]),
            [W(0xb7, 2, 0, 0, 0)] + body + [MOV0, EXIT], key)

    # -- registers r11..r15
    for name, words, key, why in [
            ("dst_alu64_r11", [W(op("MOV64_K"), 11, 0, 0, 1)], "dst", "mov %r11, 1"),
            ("dst_alu32_r15", [W(op("ADD32_K"), 15, 0, 0, 1)], "dst", "add32 %r15, 1"),
            ("src_alu64_r12", [W(op("ADD64_X"), 1, 12, 0, 0)], "src", "add %r1, %r12"),
            ("dst_ldx_r13", [W(op("LDXDW"), 13, 10, -8, 0)], "dst", "ldxdw %r13, [%r10-8]"),
            ("src_ldx_r11", [W(op("LDXB"), 1, 11, 0, 0)], "src", "ldxb %r1, [%r11]"),
            ("dst_st_r14", [W(op("STW"), 14, 0, -8, 1)], "dst", "stw [%r14-8], 1"),
            ("dst_stx_r11", [W(op("STXDW"), 11, 1, 0, 0)], "dst", "stxdw [%r11], %r1"),
            ("src_stx_r15", [W(op("STXW"), 10, 15, -8, 0)], "src", "stxw [%r10-8], %r15"),
            ("dst_jmp_r11", [W(op("JEQ_K"), 11, 0, 0, 0)], "dst", "jeq %r11, 0, +0"),
            ("src_jmp32_r12", [W(op("JGT32_X"), 1, 12, 0, 0)], "src", "jgt32 %r1, %r12, +0"),
            ("src_atomic_r13", [W(op("AADD64"), 10, 13, -8, 0x00)], "src", "lock add [%r10-8], %r13"),
            ("dst_atomic_r12", [W(op("AFXOR32"), 12, 1, 0, 0xa1)], "dst", "lock fetch xor32 [%r12], %r1"),
            ("dst_callx_r11", [W(op("CALLX"), 11, 0, 0, 0)], "dst", "call %r11"),
            ("dst_lddw_r11", lddw(11, 1), "dst", "lddw %r11, 1"),
            ("dst_neg_r15", [W(op("NEG64"), 15)], "dst", "neg %r15"),
            ("dst_movsx_r11", [W(op("MOVSX8_64"), 11, 1, 8, 0)], "dst", "movsx864 %r11, %r1"),
            ("src_movsx_r14", [W(op("MOVSX16_32"), 1, 14, 16, 0)], "src", "movsx1632 %r1, %r14")]:
        add("reg_" + name, "%s: registers are r0-r10" % why,
            [W(0xb7, 1, 0, 0, 0)] + words + [MOV0, EXIT], key)

    # -- writes to r10
    for name, words, why in [
            ("mov64", [W(op("MOV64_K"), 10, 0, 0, 0)], "mov %r10, 0"),
            ("mov32_x", [W(op("MOV32_X"), 10, 1, 0, 0)], "mov32 %r10, %r1"),
            ("add64", [W(op("ADD64_K"), 10, 0, 0, -8)], "add %r10, -8"),
            ("sub32_x", [W(op("SUB32_X"), 10, 1, 0, 0)], "sub32 %r10, %r1"),
            ("neg", [W(op("NEG64"), 10)], "neg %r10"),
            ("le16", [W(op("LE16"), 10, 0, 0, 16)], "le16 %r10"),
            ("bswap64", [W(op("BSWAP64"), 10, 0, 0, 64)], "bswap64 %r10"),
            ("movsx", [W(op("MOVSX32_64"), 10, 1, 32, 0)], "movsx3264 %r10, %r1"),
            ("ldx", [W(op("LDXDW"), 10, 10, -8, 0)], "ldxdw %r10, [%r10-8]"),
            ("ldxsh", [W(op("LDXSH"), 10, 10, -8, 0)], "ldxsh %r10, [%r10-8]"),
            ("lddw", lddw(10, 0x1000), "lddw %r10, 0x1000"),
            ("atomic_fetch", [W(op("AFADD64"), 1, 10, 0, 0x01)], "lock fetch add [%r1], %r10"),
            ("atomic_xchg", [W(op("AXCHG32"), 1, 10, 0, 0xe1)], "lock xchg32 [%r1], %r10")]:
        add("r10_" + name, "%s: r10 is read-only" % why,
            [W(0xbf, 1, 10, 0, 0), W(0x07, 1, 0, 0, -8)] + words + [MOV0, EXIT], "r10")

    # -- jumps and calls out of range, into lddw
    add("jmp_ja_past_end", "ja +1 from the second-to-last slot: target is one past the end",
        [MOV0, W(op("JA"), 0, 0, 1, 0), EXIT], "range")
    add("jmp_ja_far", "ja +1000", [MOV0, W(op("JA"), 0, 0, 1000, 0), EXIT], "range")
    add("jmp_ja_before_start", "ja -3 from pc 1", [MOV0, W(op("JA"), 0, 0, -3, 0), EXIT], "range")
    add("jmp_jeq_forward", "jeq %r0, 0, +5 past the end",
        [MOV0, W(op("JEQ_K"), 0, 0, 5, 0), EXIT], "range")
    add("jmp_jne32_backward", "jne32 %r0, %r1, -10 before the start",
        [MOV0, W(op("JNE32_X"), 0, 1, -10, 0), EXIT], "range")
    add("jmp_ja32_past_end", "ja32 +100000 past the end",
        [MOV0, W(op("JA32"), 0, 0, 0, 100000), EXIT], "range")
    add("jmp_ja32_before_start", "ja32 -0x80000000", [MOV0, W(op("JA32"), 0, 0, 0, -0x80000000), EXIT],
        "range")
    add("jmp_call_local_out", "call local +5 past the end",
        [MOV0, W(op("CALL_LOCAL"), 0, 1, 0, 5), EXIT], "range")
    add("jmp_call_local_before", "call local -3 before the start",
        [MOV0, W(op("CALL_LOCAL"), 0, 1, 0, -3), EXIT], "range")
    add("jmp_lddw_func_out", "lddw %r1, func +50: no such instruction",
        [MOV0] + lddw(1, 50, src=4) + [EXIT], "range")
    add("jmp_ja_into_lddw", "ja +1 lands on the second slot of the lddw after it",
        [MOV0, W(op("JA"), 0, 0, 1, 0)] + lddw(0, 1) + [EXIT], "lddw_mid")
    add("jmp_jeq_into_lddw", "jeq %r0, 0, +2 lands on the second slot of an lddw",
        [MOV0, W(op("JEQ_K"), 0, 0, 2, 0), MOV0] + lddw(1, 1) + [EXIT], "lddw_mid")
    add("jmp_back_into_lddw", "ja -4 lands on the second slot of the lddw before it",
        [MOV0] + lddw(1, 1) + [W(op("JA"), 0, 0, 1, 0), EXIT, W(op("JA"), 0, 0, -4, 0)], "lddw_mid")
    add("jmp_ja32_into_lddw", "ja32 +1 lands on the second slot of an lddw",
        [MOV0, W(op("JA32"), 0, 0, 0, 1)] + lddw(0, 1) + [EXIT], "lddw_mid")
    add("jmp_call_local_into_lddw", "call local +1 lands on the second slot of an lddw",
        [MOV0, W(op("CALL_LOCAL"), 0, 1, 0, 1)] + lddw(0, 1) + [EXIT], "lddw_mid")
    add("jmp_ja_self", "ja -1: an unconditional jump to itself",
        [MOV0, W(op("JA"), 0, 0, -1, 0), EXIT], "loop")
    add("jmp_out_of_function", "a callee jumps back into the main function",
        [MOV0, W(op("CALL_LOCAL"), 0, 1, 0, 1), EXIT, W(op("JA"), 0, 0, -3, 0)], "range")

    # -- lddw shape
    add("lddw_incomplete_end", "lddw in the last slot", [MOV0, EXIT] + lddw(1, 5)[:1], "incomplete")
    add("lddw_incomplete_opcode", "the slot after lddw is an instruction (exit), not its second half",
        [MOV0] + lddw(1, 5)[:1] + [EXIT, EXIT], "incomplete")
    add("lddw_second_dst", "lddw's second slot has dst 1", [MOV0, W(0x18, 1, 0, 0, 5),
                                                             W(0, 1, 0, 0, 0), EXIT], "second")
    add("lddw_second_src", "lddw's second slot has src 2", [MOV0, W(0x18, 1, 0, 0, 5),
                                                             W(0, 0, 2, 0, 0), EXIT], "second")
    add("lddw_second_off", "lddw's second slot has offset 1", [MOV0, W(0x18, 1, 0, 0, 5),
                                                                W(0, 0, 0, 1, 0), EXIT], "second")

    # -- falling through
    add("fall_no_exit", "mov %r0, 0 and nothing else", [MOV0], "fall")
    add("fall_after_exit", "code after the last exit falls off the end",
        [MOV0, EXIT, W(0xb7, 0, 0, 0, 1)], "fall")
    add("fall_cond_jump_last", "the last instruction is a conditional jump",
        [MOV0, W(op("JEQ_K"), 0, 0, -2, 0)], "fall")
    add("fall_callee_no_exit", "call local: the callee runs off the end of the program",
        [MOV0, W(op("CALL_LOCAL"), 0, 1, 0, 1), EXIT, W(0xb7, 0, 0, 0, 1)], "fall")
    add("fall_into_callee", "the main function ends in a call and would fall into its callee",
        [W(0xb7, 0, 0, 0, 1), W(op("CALL_LOCAL"), 0, 1, 0, 0), EXIT], "fall")
    return t


def build(rows, render_file, header):
    out = {}
    for name, comment, words, key in cases(rows):
        assert name not in out, name
        # raw only: the assembler could not express most of these
        out[name] = render_file(comment, None, b"", error=E[key], raw=words)
    # r10 may be read, and be the base of stores and atomics, and a jump operand
    ok = """mov %r1, %r10
stdw [%r10-8], 5
stxdw [%r10-16], %r10
lock add [%r10-8], %r1
lock cmpxchg [%r10-16], %r10
ldxdw %r0, [%r10-16]
jne %r0, %r10, fail
jeq %r10, %r1, +1
ja fail
mov %r0, 0
add %r0, %r10
sub %r0, %r1
add %r0, 1
exit
fail:
mov %r0, 99
exit"""
    import model
    words = ubpf_asm.assemble(ok)
    res = model.run(words)
    assert res == 1, res
    out["r10_reads_allowed"] = render_file(
        ["r10 may be read: as a source, a store or atomic base, a jump operand,",
         "and as cmpxchg's source (cmpxchg writes r0, not src)."],
        ok.split("\n"), b"", result=res, raw=words)
    return out

