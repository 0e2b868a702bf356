#!/usr/bin/env python3
"""`sessim judge` on each scenario's trace.jsonl gives `sessim run`'s verdict.

  judge-traces.py SESSIM SCENARIO...

For each scenario: `sessim run` writes trace.jsonl and exits with its
verdict; the violation records of that trace are the invariants the run saw
broken. `sessim judge` on the trace (the configuration from its header, the
events fed to the monitor, no scenario and no model) must exit the same
way and name the same broken invariants (its "# broken:" line), and end
on a "# verdict:" line. Exit status 0
when every scenario agrees, 1 otherwise."""
import json
import os
import re
import subprocess
import sys
import tempfile

BROKEN = re.compile(r"^# broken: (\S+)$", re.M)
VERDICT = re.compile(r"\n# verdict: (ok|FAIL): [^\n]*\n$")


def main():
    sessim, scenarios = sys.argv[1], sys.argv[2:]
    problems = []
    with tempfile.TemporaryDirectory() as out:
        for scn in scenarios:
            name = os.path.basename(scn)[:-len(".scn")]
            run = subprocess.run([sessim, "run", "--quiet", "--out", out, scn],
                                 capture_output=True, text=True)
            trace = os.path.join(out, name, "trace.jsonl")
            with open(trace) as f:
                records = [json.loads(line) for line in f]
            ran = sorted({r["invariant"] for r in records
                          if r["type"] == "violation"})
            judge = subprocess.run([sessim, "judge", "--quiet", trace],
                                   capture_output=True, text=True)
            m = BROKEN.search(judge.stdout)
            if m is None or VERDICT.search("\n" + judge.stdout) is None:
                problems.append(f"{name}: judge printed no broken list or no "
                                f"verdict line (exit {judge.returncode}): "
                                f"{judge.stdout}{judge.stderr.strip()}")
                continue
            judged = [] if m.group(1) == "none" else sorted(m.group(1).split(","))
            if judge.returncode != run.returncode or judged != ran:
                problems.append(
                    f"{name}: run exited {run.returncode} with {ran or 'none'}"
                    f" broken; judge exited {judge.returncode} with "
                    f"{judged or 'none'}\n{judge.stderr.strip()}")
            else:
                print(f"ok {name}: exit {run.returncode}, broken "
                      f"{','.join(ran) or 'none'}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(scenarios)} scenarios, {len(problems)} disagree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
