"""datafile.py - read the sections of a .data file (uBPF test format)."""


def parse(text):
    """-> {section name: text}; comment lines (#) outside asm are dropped."""
    sections, cur = {}, None
    for line in text.splitlines():
        if line.startswith("-- "):
            cur = line[3:].strip()
            sections[cur] = ""
            continue
        if cur is None:
            continue
        sections[cur] += line + "\n"
    return sections


def raw_words(text):
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(int(line, 16))
    return out


def mem_bytes(text):
    out = bytearray()
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        out += bytes(int(t, 16) for t in line.split())
    return bytes(out)


def result(text):
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return int(line, 0)
    return None
