#!/usr/bin/env python3
"""kdiff.py ANYBPF KERNEL_RUN FILE.o PROGRAM DATA [CTX]: run one program on
one input through `anybpf run --json --dump-maps` and through the host
kernel's BPF_PROG_TEST_RUN (kernel_run, libbpf); compare retval, data_out,
ctx_out (when CTX is given) and the contents of the object's array/hash
maps (internal .data/.rodata/.bss maps aside: libbpf renames them).
Exit 0 equal, 1 different (the differences printed), 77 no kernel."""
import json, subprocess, sys

anybpf, kr, obj, prog, data = sys.argv[1:6]
ctx = sys.argv[6] if len(sys.argv) > 6 else None

k = subprocess.run([kr, obj, prog, data] + ([ctx] if ctx else []), capture_output=True, text=True)
if k.returncode == 77:
    sys.exit(77)
if k.returncode:
    print("kernel_run failed:", k.stderr.strip())
    sys.exit(1)
kern = {"maps": []}
for line in k.stdout.splitlines():
    w = line.split()
    if w[0] == "map":
        if "." not in w[1]:
            kern["maps"].append((w[1], w[2], w[3]))
    elif w[0] == "error":
        kern["error"] = int(w[1])
    else:
        kern[w[0]] = w[1] if len(w) > 1 else ""

cmd = [anybpf, "run", obj, "program=" + prog, "data=" + data, "--json", "--dump-maps"]
if ctx:
    cmd.append("ctx=" + ctx)
a = subprocess.run(cmd, capture_output=True, text=True)
diffs = []
if "error" in kern:
    if a.returncode == 0:
        diffs.append("the kernel refused the run (errno %d), anybpf ran it" % kern["error"])
else:
    if a.returncode:
        diffs.append("anybpf failed: " + a.stderr.strip())
    else:
        j = json.loads(a.stdout)
        ours = {"retval": str(j["retval"]), "data_out": j.get("data_out", "")}
        if ctx:
            ours["ctx_out"] = j["ctx_out"]
        for key, v in ours.items():
            if kern.get(key) != v:
                diffs.append("%s: kernel %s, anybpf %s" % (key, kern.get(key), v))
        maps = []
        for m in j.get("maps", []):
            if "." in m["name"] or m["type"] not in ("array", "hash", "lru_hash"):
                continue
            for e in m["elements"]:
                maps.append((m["name"], e["key"], e["value"]))
        if sorted(maps) != sorted(kern["maps"]):
            diffs.append("maps: kernel %s, anybpf %s" % (sorted(kern["maps"]), sorted(maps)))
for d in diffs:
    print("  " + d)
sys.exit(1 if diffs else 0)
