#!/usr/bin/env python3
"""Checks of alerts.yml beyond promtool's, and proof that its tests bite:

  selftest.py PROMTOOL DIR

- every alert has summary, description and runbook_url annotations, a
  severity label, and a section in DIR/README.md (its anchor, as `runbook`);
- every alert is named by a firing case of alerts_test.yml;
- for each alert, a copy of alerts.yml in which that alert can never fire
  fails `promtool test rules alerts_test.yml`: no alert's firing case is
  vacuous.
Exits 1 naming each failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml


def main(promtool, here):
    failures = []
    with open(os.path.join(here, "alerts.yml")) as f:
        rules_text = f.read()
    rules = yaml.safe_load(rules_text)
    with open(os.path.join(here, "alerts_test.yml")) as f:
        tests = yaml.safe_load(f)
    with open(os.path.join(here, "README.md")) as f:
        readme = f.read()
    firing = {c["alertname"] for t in tests["tests"] for c in t.get("alert_rule_test", []) if c.get("exp_alerts")}
    healthy = {c["alertname"] for t in tests["tests"] for c in t.get("alert_rule_test", [])}
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    if not alerts:
        failures.append("alerts.yml has no alerts")
    headings = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.*)$", readme, re.M)}
    for r in alerts:
        name = r["alert"]
        ann = r.get("annotations", {})
        for key in ("summary", "description", "runbook_url", "runbook"):
            if not ann.get(key):
                failures.append(f"{name}: no {key} annotation")
        if r.get("labels", {}).get("severity") not in ("warning", "critical"):
            failures.append(f"{name}: severity label must be warning or critical")
        anchor = ann.get("runbook", "").partition("#")[2]
        if anchor != name.lower() or anchor not in headings:
            failures.append(f"{name}: runbook {ann.get('runbook')!r} is not a section of README.md (want #{name.lower()})")
        if name not in firing:
            failures.append(f"{name}: no case of alerts_test.yml expects it to fire")
        if name not in healthy:
            failures.append(f"{name}: not tested")

    # Mutation: each alert in turn can never fire; the tests must notice.
    work = tempfile.mkdtemp(prefix="rcp-alerts-selftest-")
    try:
        shutil.copy(os.path.join(here, "alerts_test.yml"), work)
        for r in alerts:
            mutated = yaml.safe_load(rules_text)
            for g in mutated["groups"]:
                for rule in g["rules"]:
                    if rule.get("alert") == r["alert"]:
                        rule["expr"] = "vector(1) < 0"
            with open(os.path.join(work, "alerts.yml"), "w") as f:
                yaml.safe_dump(mutated, f)
            run = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=work,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if run.returncode == 0:
                failures.append(f"{r['alert']}: the tests pass even when it can never fire")
            elif f"alertname: {r['alert']}," not in run.stdout:
                failures.append(f"{r['alert']}: with it never firing, the tests fail for another reason:\n{run.stdout}")
            else:
                print(f"ok: {r['alert']} never firing fails its test")
    finally:
        shutil.rmtree(work)

    for f in failures:
        print("FAIL " + f)
    if failures:
        return 1
    print(f"selftest.py: {len(alerts)} alerts annotated, documented and tested; each test fails without its alert")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
