#!/usr/bin/env python3
"""The conformance suite: plays every bundled scenario against a private
broker, mosquitto or ejabberd (one per scenario, each on its own loopback
port, several at once) with `sessim conform`, and requires that every observed fact matches the
model's prediction under the broker profile given, or is listed with its
reason in the reviewed file of known differences. Also fails on a broken
expectation or invariant that is not listed, and on any broker left running.

usage: run-suite.py SESSIM SCENARIO_DIR KNOWN_FILE [--broker KIND]
                    [--profile NAME] [--jobs N] [--only NAME]
"""
import argparse
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def parse_known(path):
    """scale NAME F / differ NAME CLIENT FACT NTH WHAT # reason /
    violation NAME INVARIANT # reason / fail NAME LINE # reason /
    refused NAME # reason (conform refuses to play it, exit 2)"""
    scales, known, reasons = {}, set(), {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line, _, why = raw.partition("#")
            words = line.split()
            if not words:
                continue
            if not why.strip() and words[0] != "scale":
                sys.exit(f"{path}:{number}: every known difference needs a "
                         "reason after '#'")
            if words[0] == "scale" and len(words) == 3:
                scales[words[1]] = float(words[2])
            elif words[0] == "differ" and len(words) == 6:
                known.add(tuple(words[1:]))
                reasons[tuple(words[1:])] = why.strip()
            elif words[0] == "refused" and len(words) == 2:
                known.add(tuple(words))
                reasons[tuple(words)] = why.strip()
            elif words[0] in ("violation", "fail") and len(words) == 3:
                known.add(tuple(words))
                reasons[tuple(words)] = why.strip()
            else:
                sys.exit(f"{path}:{number}: cannot read: {raw.strip()}")
    return scales, known, reasons


def play(sessim, broker, scenario, scale, out, profile, tmp):
    name = os.path.basename(scenario)[:-4]
    cmd = [sessim, "conform", "--broker", broker, "-q",
           "--time-scale", str(scale), "-o", out]
    if profile:
        cmd += ["--profile", profile]
    cmd.append(scenario)
    started = time.monotonic()
    # Its broker's folder goes under our own TMPDIR, so that what is left
    # running can be told from other runs' brokers.
    env = dict(os.environ, TMPDIR=tmp)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900,
                       env=env)
    took = time.monotonic() - started
    summary = os.path.join(out, name, "summary.json")
    data = None
    if os.path.exists(summary):
        with open(summary, encoding="utf-8") as f:
            data = json.load(f)
    return name, p.returncode, data, p.stdout + p.stderr, took


def installed(broker):
    """Whether `sessim conform --broker` can find the broker, and if not
    how to install it."""
    if broker == "mosquitto":
        if shutil.which("mosquitto") or os.path.exists("/usr/sbin/mosquitto"):
            return None
        return "apt-get install mosquitto"
    # live/ejabberd.c runs ejabberd's applications in the Erlang runtime.
    if (shutil.which("erl") or os.path.exists("/usr/bin/erl")) and any(
            glob.glob(os.path.join(root, "*", "ejabberd-*", "ebin",
                                   "ejabberd.app"))
            for root in ("/usr/lib", "/usr/lib/erlang", "/usr/local/lib")):
        return None
    return "apt-get install ejabberd"


def leftover_brokers(tmp, broker):
    """Broker processes running from a folder sessim made in our TMPDIR (an
    ejabberd's Erlang runtime and the helpers it starts name it in their
    command line or environment)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        mark = os.path.join(tmp, f"sessim-{broker}-")
        if mark not in cmd:
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if mark.encode() not in f.read():
                        continue
            except OSError:
                continue
        found.append(f"{pid}: {cmd}")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sessim")
    ap.add_argument("scenarios")
    ap.add_argument("known")
    ap.add_argument("--broker", default="mosquitto",
                    choices=["mosquitto", "ejabberd"])
    ap.add_argument("--jobs", type=int, default=12)
    ap.add_argument("--only", action="append")
    ap.add_argument("--profile", default="mosquitto-2.0")
    args = ap.parse_args()
    missing = installed(args.broker)
    if missing:
        print(f"SKIP: {args.broker} is not installed ({missing})")
        return 77
    scales, known, reasons = parse_known(args.known)
    files = sorted(os.path.join(args.scenarios, f)
                   for f in os.listdir(args.scenarios) if f.endswith(".scn"))
    if args.only:
        files = [f for f in files if os.path.basename(f)[:-4] in args.only]
    failures, seen = [], set()
    facts = differ = 0
    with tempfile.TemporaryDirectory(prefix="sessim-conform-") as out:
        tmp = os.path.join(out, "tmp")
        os.mkdir(tmp)
        # The longest scenarios first, so the pool ends together.
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            jobs = [pool.submit(play, args.sessim, args.broker, f,
                                scales.get(os.path.basename(f)[:-4], 1.0),
                                out, args.profile, tmp) for f in files]
            for job in concurrent.futures.as_completed(jobs):
                name, rc, data, text, took = job.result()
                if data is None and rc == 2 and ("refused", name) in known:
                    seen.add(("refused", name))
                    print(f"{name:40} {'refused':10}", flush=True)
                    continue
                if data is None or rc not in (0, 1, 4):
                    failures.append(f"{name}: exit {rc}, no result:\n{text}")
                    continue
                facts += data["facts"]
                bad = []
                for d in data["differences"]:
                    key = (name, d["client"], d["fact"], str(d["nth"]),
                           d["what"])
                    seen.add(key)
                    differ += 1
                    if key not in known:
                        bad.append(f"  differ {' '.join(key)}  # broker "
                                   f"{d['broker']}, model {d['model']} "
                                   f"[{d['rule']}] ({d['class']})")
                for v in data.get("violated", []):
                    key = ("violation", name, v)
                    seen.add(key)
                    if key not in known:
                        bad.append(f"  violation {name} {v}")
                for line in data.get("failed_lines", []):
                    key = ("fail", name, str(line))
                    seen.add(key)
                    if key not in known:
                        bad.append(f"  fail {name} {line}")
                state = "ok" if not bad else "UNEXPECTED"
                print(f"{name:40} {state:10} {data['facts']:4} facts "
                      f"{len(data['differences']):3} differ  {took:6.1f}s",
                      flush=True)
                if bad:
                    failures.append(f"{name}:\n" + "\n".join(bad))
        after = leftover_brokers(tmp, args.broker)
        if after:
            failures.append("brokers left running:\n  " + "\n  ".join(after))
    stale = sorted(k for k in known
                   if k not in seen and (k[0] in files_names(files)
                                         or k[1] in files_names(files)))
    print(f"\n{len(files)} scenarios, {facts} facts, {differ} differ, "
          f"{facts - min(facts, differ)} as predicted "
          f"({100.0 * (facts - min(facts, differ)) / max(facts, 1):.1f} %)")
    for k in stale:
        print(f"note: known difference not seen this time: {' '.join(k)}")
    if failures:
        print("\nnot in the known differences (" + args.known + "):")
        print("\n".join(failures))
        return 1
    return 0


def files_names(files):
    return {os.path.basename(f)[:-4] for f in files}


if __name__ == "__main__":
    sys.exit(main())
