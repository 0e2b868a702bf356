#!/usr/bin/env python3
"""Runs `sessim run` on scenario files and checks each trace.jsonl.

  validate-traces.py SESSIM SCHEMA SCENARIO...

Every record must validate against docs/trace-schema.json (JSON Schema
draft 2020-12, python3-jsonschema), and the steps must agree across the
outputs: the header is step 0, events are steps 1..N in order (step k is
line k of trace.txt after its header line), violations and expectations
carry a step of 1..N+1, the end record is step N+1, and summary.json
counts N steps. Exit status 0 when
every trace passes, 1 otherwise, naming each failure."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    sys.exit("validate-traces: python3-jsonschema is missing (.ci/deps)")


def check_trace(validator, jsonl, text, summary, name):
    errors = []
    lines = jsonl.split("\n")
    if lines[-1] != "":
        errors.append("the last line does not end in a newline")
    records = []
    for i, line in enumerate(lines[:-1], 1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            errors.append(f"line {i}: not JSON: {e}")
            continue
        for e in validator.iter_errors(rec):
            where = "/".join(str(p) for p in e.absolute_path)
            errors.append(f"line {i}: {where}: {e.message[:300]}")
        records.append(rec)
    if not records or records[0].get("type") != "header":
        errors.append("the first record is not the header")
        return errors
    events = [r for r in records if r.get("type") == "event"]
    steps = [r["step"] for r in events]
    if steps != list(range(1, len(events) + 1)):
        errors.append("event steps are not 1..N in order")
    n = len(events)
    end = records[-1]
    if end.get("type") != "end" or end.get("step") != n + 1:
        errors.append(f"the last record is not the end record at step {n + 1}")
    for r in records:
        if r.get("type") in ("violation", "expectation") \
           and not 1 <= r["step"] <= n + 1:
            errors.append(f"a {r['type']} at step {r['step']} outside 1..{n + 1}")
    if summary.get("steps") != n:
        errors.append(f"summary.json counts {summary.get('steps')} steps, "
                      f"trace.jsonl {n}")
    text_lines = text.split("\n")[1:-1]
    if len(text_lines) != n:
        errors.append(f"trace.txt has {len(text_lines)} steps, "
                      f"trace.jsonl {n}")
    else:
        # The same step is the same observation: same time and actor.
        for ev, tl in zip(events, text_lines):
            if not tl.startswith(f"{ev['time']} {ev['actor']} {ev['event']}"):
                errors.append(f"step {ev['step']} differs: {tl[:80]}")
                break
    return [f"{name}: {e}" for e in errors]


def self_test(validator):
    """The schema must refuse what the format forbids, or it proves
    nothing."""
    bad = [
        {"type": "event", "step": 1, "t_us": 0, "time": "0.000000s",
         "actor": "a", "event": "send", "colour": "red"},
        {"type": "event", "step": 0, "t_us": 0, "time": "0.000000s",
         "actor": "a", "event": "send"},
        {"type": "event", "step": 1, "t_us": 0, "time": "0.000000s",
         "actor": "a", "event": "send",
         "packet": {"type": "CONNECT", "protocol": "5.0"}},
        {"type": "event", "step": 1, "t_us": 0, "time": "0.000000s",
         "actor": "a", "event": "send",
         "packet": {"type": "PUBLISH", "qos": 3, "dup": False,
                    "retain": False, "topic": "t", "payload": "p"}},
        {"type": "header", "step": 0},
        {"type": "end", "step": 3, "t_us": 0, "time": "0s"},
        {"step": 1},
    ]
    good = {"type": "state", "step": 4, "anything": [1]}
    problems = [f"the schema accepts {b}" for b in bad if validator.is_valid(b)]
    if not validator.is_valid(good):
        problems.append("the schema refuses a record type added later")
    return problems


def main():
    sessim, schema_path, scenarios = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = self_test(validator)
    with tempfile.TemporaryDirectory() as out:
        for scn in scenarios:
            name = os.path.basename(scn)[:-len(".scn")]
            run = subprocess.run([sessim, "run", "--quiet", "--out", out, scn],
                                 capture_output=True, text=True)
            if run.returncode not in (0, 1):
                failures.append(f"{name}: sessim run exited {run.returncode}: "
                                f"{run.stderr.strip()}")
                continue
            with open(os.path.join(out, name, "trace.jsonl")) as f:
                jsonl = f.read()
            with open(os.path.join(out, name, "trace.txt")) as f:
                text = f.read()
            with open(os.path.join(out, name, "summary.json")) as f:
                summary = json.load(f)
            failures += check_trace(validator, jsonl, text, summary, name)
            print(f"ok {name}")
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{len(scenarios)} traces, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
