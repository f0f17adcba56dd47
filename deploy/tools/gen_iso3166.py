#!/usr/bin/env python3
"""Regenerates common/iso3166/iso3166.cc from Debian's iso-codes package."""
import json
import pathlib

SRC = "/usr/share/iso-codes/json/iso_3166-1.json"
OUT = pathlib.Path(__file__).resolve().parents[2] / "common/iso3166/iso3166.cc"

rows = sorted((e["alpha_3"], e.get("common_name", e["name"])) for e in json.load(open(SRC))["3166-1"])
body = "\n".join('    {"%s", "%s"},' % (c, n.replace("\\", "\\\\").replace('"', '\\"')) for c, n in rows)
text = OUT.read_text()
start = text.index("constexpr Entry kCountries[] = {") + len("constexpr Entry kCountries[] = {")
end = text.index("};", start)
OUT.write_text(text[:start] + "\n" + body + "\n" + text[end:])
