#!/usr/bin/env python3
"""`sessim judge` on each scenario's trace.jsonl gives `sessim run`'s verdict.

  judge-traces.py SESSIM SCENARIO...

For each scenario: `sessim run` writes trace.jsonl and exits with its
verdict; the violation records of that trace are the invariants the run saw
broken. `sessim judge` on the trace (the configuration from its header, the
events fed to the monitor, no scenario and no model) must exit the same
way, name the same broken invariants (its "# broken:" line) and end on a
"# verdict:" line. Then, on the
first variant's trace: with its `expect_violations` removed, judge exits 1
naming the broken invariant; with a step out of order, it exits 2 with a
located error. Exit status 0 when all agree, 1 otherwise."""
import json
import os
import re
import subprocess
import sys
import tempfile

BROKEN = re.compile(r"^# broken: (\S+)$", re.M)
VERDICT = re.compile(r"\n# verdict: (ok|FAIL): [^\n]*\n$")


def edited_traces(sessim, out, scenarios):
    """judge reads the verdict's terms from the trace: without the
    expectation a variant's violation fails (exit 1); a broken trace is
    refused with its place (exit 2)."""
    problems = []
    variant = next((s for s in scenarios if "/variants/" in s), None)
    if variant is None:
        return problems
    name = os.path.basename(variant)[:-len(".scn")]
    with open(os.path.join(out, name, "trace.jsonl")) as f:
        lines = f.read().split("\n")
    header = json.loads(lines[0])
    expected = header["expect_violations"]
    header["expect_violations"] = []
    edited = os.path.join(out, "edited.jsonl")
    with open(edited, "w") as f:
        f.write("\n".join([json.dumps(header)] + lines[1:]))
    judge = subprocess.run([sessim, "judge", edited], capture_output=True,
                           text=True)
    if judge.returncode != 1 or "\n# verdict: FAIL: " not in judge.stdout \
       or f"invariant {expected[0]} broken at" not in judge.stderr:
        problems.append(f"{name} without its expectation: judge exited "
                        f"{judge.returncode}\n{judge.stdout}{judge.stderr}")
    broken = os.path.join(out, "broken.jsonl")
    with open(broken, "w") as f:
        f.write("\n".join(lines[:3] + [lines[3].replace('"step":3', '"step":9')]
                          + lines[4:]))
    judge = subprocess.run([sessim, "judge", broken], capture_output=True,
                           text=True)
    if judge.returncode != 2 or not judge.stderr.startswith(
            f"{broken}:4:17: error: step 9 where step 3 comes next\n"):
        problems.append(f"a broken trace: judge exited {judge.returncode}\n"
                        f"{judge.stderr}")
    return problems


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
        problems += edited_traces(sessim, out, scenarios)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(scenarios)} scenarios, {len(problems)} disagree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
