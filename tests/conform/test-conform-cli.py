#!/usr/bin/env python3
"""sessim conform from the outside: usage errors, a broker that is not
there, a restart refused with --connect, a run against a broker the test
starts itself (or the one $SESSIM_TEST_BROKER names) whose facts are the
same when run again, and an interrupt that leaves no broker running and no
half-written file. TAP output.

usage: test-conform-cli.py SESSIM SCENARIO_DIR
"""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SESSIM, SCENARIOS = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


# Brokers sessim starts keep their folder under this TMPDIR, so that ours
# can be told from other runs' (set in main).
ENV = dict(os.environ)


def run(args, timeout=300):
    return subprocess.run([SESSIM, "conform"] + args, capture_output=True,
                          text=True, timeout=timeout, env=ENV)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def our_brokers():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if os.path.join(ENV["TMPDIR"], "sessim-mosquitto-") in cmd:
                found.append(pid)
    return found


def start_broker(folder):
    """A mosquitto of our own for --connect, stopped by its pid."""
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = os.path.join(folder, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                "persistence false\nlog_dest none\n"
                + ("user root\n" if os.geteuid() == 0 else ""))
    proc = subprocess.Popen([exe, "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(250):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.02)
    proc.kill()
    proc.wait()
    raise RuntimeError("mosquitto did not start")


def facts_of(summary):
    """The facts compared, without their times (timing-sensitive)."""
    with open(summary) as f:
        d = json.load(f)
    return (d["facts"], sorted((x["client"], x["fact"], x["nth"], x["what"])
                               for x in d["differences"]
                               if x["class"] != "timing"))


def main():
    if shutil.which("mosquitto") is None and not os.path.exists(
            "/usr/sbin/mosquitto"):
        print("1..0 # SKIP mosquitto is not installed (apt-get install "
              "mosquitto)")
        return 0
    private_tmp = tempfile.mkdtemp(prefix="sessim-conform-cli-tmp-")
    ENV["TMPDIR"] = private_tmp
    before = set(our_brokers())
    hello = os.path.join(SCENARIOS, "01-hello-qos0.scn")
    restart = os.path.join(SCENARIOS, "32-broker-restart-volatile.scn")
    with tempfile.TemporaryDirectory(prefix="sessim-conform-cli-") as tmp:
        out = os.path.join(tmp, "out")
        p = run([hello])
        check("neither --broker nor --connect is a usage error (2)",
              p.returncode == 2 and "--connect" in p.stderr, p.stderr)
        p = run(["--broker", "rabbit", hello])
        check("an unknown broker kind is a usage error (2)",
              p.returncode == 2, p.stderr)
        p = run(["--broker", "mosquitto", "--time-scale", "0", hello])
        check("--time-scale 0 is refused (2)", p.returncode == 2, p.stderr)
        p = run(["--broker", "mosquitto", "--profile", "nope", hello])
        check("an unknown profile is refused (2)", p.returncode == 2,
              p.stderr)
        p = run(["--connect", f"127.0.0.1:{free_port()}", "-o", out, hello])
        check("nothing listening at --connect exits 5, writes nothing",
              p.returncode == 5 and not os.path.exists(out),
              p.stdout + p.stderr)
        p = run(["--broker", "mosquitto", "--broker-path",
                 os.path.join(tmp, "no-such-mosquitto"), "-o", out, hello])
        check("a broker that cannot start exits 5", p.returncode == 5,
              p.stdout + p.stderr)
        p = run(["--broker", "ejabberd", "--broker-path",
                 os.path.join(tmp, "no-such-erl"), "-o", out, hello])
        check("an ejabberd that cannot start exits 5", p.returncode == 5,
              p.stdout + p.stderr)
        p = run(["--broker", "ejabberd", "-o", out,
                 os.path.join(SCENARIOS, "33-broker-restart-persistent.scn")])
        check("a persistent restart is refused with --broker ejabberd (2)",
              p.returncode == 2 and "persistence=on" in p.stderr
              and not os.path.exists(out), p.stdout + p.stderr)
        p = run(["--connect", "127.0.0.1:1", "-o", out, restart])
        check("a scenario that restarts the broker is refused with "
              "--connect (2)",
              p.returncode == 2 and "restart" in p.stderr, p.stderr)

        broker, address = None, os.environ.get("SESSIM_TEST_BROKER")
        try:
            if not address:
                broker, address = start_broker(tmp)
            runs = []
            for i in range(2):
                o = os.path.join(tmp, f"run{i}")
                p = run(["--connect", address, "--time-scale", "0.2", "-q",
                         "-o", o, hello])
                runs.append((p, o))
            p, o = runs[0]
            check("--connect plays a scenario: all held, as predicted (0)",
                  p.returncode == 0 and "verdict: ok" in p.stdout,
                  p.stdout + p.stderr)
            files = sorted(os.listdir(os.path.join(o, "01-hello-qos0")))
            check("it writes the files run writes, and conform.txt",
                  files == ["conform.txt", "summary.json", "trace.jsonl",
                            "trace.txt"], str(files))
            a = facts_of(os.path.join(runs[0][1], "01-hello-qos0",
                                      "summary.json"))
            b = facts_of(os.path.join(runs[1][1], "01-hello-qos0",
                                      "summary.json"))
            check("a second run gives the same facts", a == b, f"{a} {b}")
        finally:
            if broker is not None:
                broker.terminate()
                try:
                    broker.wait(5)
                except subprocess.TimeoutExpired:
                    broker.kill()
                    broker.wait()

        # Interrupted while its private broker runs: exit 130, the broker
        # gone, no half-written file.
        o = os.path.join(tmp, "int")
        proc = subprocess.Popen([SESSIM, "conform", "--broker", "mosquitto",
                                 "-q", "-o", o,
                                 os.path.join(SCENARIOS,
                                              "03-persistent-session.scn")],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=ENV)
        for _ in range(250):
            if set(our_brokers()) - before:
                break
            time.sleep(0.02)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out_text, err_text = proc.communicate(timeout=60)
        left = set(our_brokers()) - before
        check("Ctrl-C exits 130", proc.returncode == 130,
              f"{proc.returncode} {err_text}")
        check("Ctrl-C leaves no broker running", not left, str(left))
        temps = glob.glob(os.path.join(o, "**", ".*"), recursive=True)
        check("Ctrl-C leaves no half-written file", not temps, str(temps))

    left = set(our_brokers()) - before
    check("no broker is left running", not left, str(left))
    shutil.rmtree(private_tmp, ignore_errors=True)
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            failed += 1
            for line in str(detail).splitlines()[:20]:
                print(f"#   {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
