#!/usr/bin/env python3
"""Regenerates the code list in common/iso639/iso639.cc from Debian's iso-codes package."""
import json
import pathlib

SRC = "/usr/share/iso-codes/json/iso_639-2.json"
OUT = pathlib.Path(__file__).resolve().parents[2] / "common/iso639/iso639.cc"

codes = set()
for e in json.load(open(SRC))["639-2"]:
    if "alpha_2" in e:
        codes.add(e["alpha_2"])
    if not e["alpha_3"].startswith("qaa"):  # the reserved local-use range
        codes.add(e["alpha_3"])
lines, line = [], "   "
for c in sorted(codes):
    item = f' "{c}",'
    if len(line) + len(item) > 100:
        lines.append(line)
        line = "   "
    line += item
lines.append(line)
text = OUT.read_text()
start = text.index("constexpr const char* kLanguages[] = {") + len("constexpr const char* kLanguages[] = {")
end = text.index("};", start)
OUT.write_text(text[:start] + "\n" + "\n".join(lines) + "\n" + text[end:])
