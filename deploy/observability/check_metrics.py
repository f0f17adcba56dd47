#!/usr/bin/env python3
"""The metric names that Prometheus rules and Grafana dashboards use, and
whether the daemons export them.

  check_metrics.py names FILE...             prints the names FILE uses, one a line
  check_metrics.py check SCRAPE_DIR FILE...  fails (exit 1) naming each name used
                                             by FILE that no scrape in SCRAPE_DIR has
  check_metrics.py rules DASHBOARD           prints the dashboard's queries as recording
                                             rules, so that `promtool check rules` parses them

FILE is a rules file (.yml/.yaml: every `expr`) or a dashboard (.json: every
target's `expr`, and `label_values(...)` template queries). A scrape is the
text exposition of one /metrics (SCRAPE_DIR/*.prom). A name exists when a
sample of it was scraped, or when it is a declared family (# TYPE) itself or
a histogram's or summary's _bucket, _sum or _count. `up` is Prometheus's own.
Names that the rules files themselves record (`record:`) are not looked for.
"""
import glob
import json
import os
import re
import sys

import yaml

PROMETHEUS_OWN = {"up"}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
            "bool", "inf", "nan", "atan2"}
TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<var>\$\{?\w+\}?)
  | (?P<number>(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(?:ms|[smhdwy])?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<open>[{\[(])
  | (?P<close>[}\])])
  | (?P<other>\S)
""", re.VERBOSE)
LABEL_LIST_BEFORE = {"by", "without", "on", "ignoring", "group_left", "group_right"}


def names_in_expr(expr):
    """Metric names in a PromQL expression: identifiers outside label
    matchers, ranges and label lists that are not functions or keywords."""
    tokens = [(m.lastgroup, m.group()) for m in TOKEN.finditer(expr)]
    names, depth_skip, stack = set(), 0, []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, None)
        if kind == "open":
            # {…} matchers and […] ranges hold no metric names, nor do the
            # label lists of by (…), on (…) and their kin.
            prev = tokens[i - 1] if i > 0 else (None, None)
            skip = text in "{[" or (text == "(" and prev[0] == "ident" and prev[1] in LABEL_LIST_BEFORE)
            stack.append(skip)
            depth_skip += skip
        elif kind == "close":
            if stack:
                depth_skip -= stack.pop()
        elif kind == "ident" and depth_skip == 0:
            # Not a function or an aggregation (`sum(`, `sum by (`).
            if text not in KEYWORDS and nxt[1] not in ("(", "by", "without") and \
                    not (i > 0 and tokens[i - 1][1] == "offset"):
                names.add(text)
        i += 1
    return names


def exprs_in(path):
    """(expression, where) pairs of a rules file or a dashboard, and the
    names the file records."""
    recorded = set()
    found = []
    with open(path) as f:
        if path.endswith(".json"):
            def walk(node, where):
                if isinstance(node, dict):
                    title = node.get("title", where)
                    for key, value in node.items():
                        if key == "expr" and isinstance(value, str):
                            found.append((value, title))
                        elif key in ("query", "definition") and isinstance(value, (str, dict)):
                            q = value if isinstance(value, str) else value.get("query", "")
                            for m in re.finditer(r"(?:label_values|query_result)\((.*)\)", q or ""):
                                inner = m.group(1)
                                if m.group(0).startswith("label_values"):
                                    inner = inner.rsplit(",", 1)[0] if "," in inner else inner
                                found.append((inner, "templating " + node.get("name", "")))
                        else:
                            walk(value, title)
                elif isinstance(node, list):
                    for item in node:
                        walk(item, where)
            walk(json.load(f), os.path.basename(path))
        else:
            doc = yaml.safe_load(f) or {}
            for group in doc.get("groups", []):
                for rule in group.get("rules", []):
                    where = rule.get("alert") or rule.get("record")
                    if "record" in rule:
                        recorded.add(rule["record"])
                    found.append((str(rule["expr"]), where))
    return found, recorded


def used_names(paths):
    """{name: [where, ...]} over the files; fails on a file that uses none."""
    used, recorded = {}, set()
    for path in paths:
        exprs, rec = exprs_in(path)
        recorded |= rec
        count = 0
        for expr, where in exprs:
            for name in names_in_expr(expr):
                used.setdefault(name, []).append(f"{os.path.basename(path)}: {where}")
                count += 1
        if count == 0:
            sys.exit(f"check_metrics.py: {path} uses no metric at all (is it a rules file or a dashboard?)")
    for name in recorded:
        used.pop(name, None)
    return used


def scraped_names(scrape_dir):
    samples, families = set(), {}
    files = sorted(glob.glob(os.path.join(scrape_dir, "*.prom")))
    if not files:
        sys.exit(f"check_metrics.py: no scrapes (*.prom) in {scrape_dir}")
    for path in files:
        with open(path) as f:
            for line in f:
                if line.startswith("# TYPE "):
                    _, _, name, kind = line.split()[:4]
                    families[name] = kind
                elif line.strip() and not line.startswith("#"):
                    samples.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group())
    return samples, families


def exists(name, samples, families):
    if name in samples or name in families or name in PROMETHEUS_OWN:
        return True
    m = re.fullmatch(r"(.*)_(bucket|sum|count)", name)
    return bool(m) and families.get(m.group(1)) in ("histogram", "summary")


def main(argv):
    if len(argv) >= 2 and argv[0] == "names":
        for name in sorted(used_names(argv[1:])):
            print(name)
        return 0
    if len(argv) >= 3 and argv[0] == "check":
        samples, families = scraped_names(argv[1])
        used = used_names(argv[2:])
        missing = {n: w for n, w in used.items() if not exists(n, samples, families)}
        for name, where in sorted(missing.items()):
            print(f"MISSING {name}: used by {', '.join(sorted(set(where)))}, exported by no daemon scraped")
        if missing:
            print(f"check_metrics.py: {len(missing)} of {len(used)} metric names are not exported")
            return 1
        print(f"check_metrics.py: all {len(used)} metric names used are exported: {', '.join(sorted(used))}")
        return 0
    if len(argv) == 2 and argv[0] == "rules":
        exprs, _ = exprs_in(argv[1])
        variables = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
        rules = []
        for n, (expr, where) in enumerate(e for e in exprs if not e[1].startswith("templating")):
            for var, value in variables.items():
                expr = expr.replace(var, value)
            rules.append({"record": f"dashboard:query_{n}", "expr": re.sub(r"\$\{?\w+\}?", ".*", expr),
                          "labels": {"panel": where}})
        if not rules:
            sys.exit(f"check_metrics.py: {argv[1]} has no queries")
        yaml.safe_dump({"groups": [{"name": os.path.basename(argv[1]), "rules": rules}]}, sys.stdout, width=1000)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
