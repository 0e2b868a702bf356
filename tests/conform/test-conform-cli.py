#!/usr/bin/env python3
"""sessim conform from the outside: usage errors, a broker that is not
there, a restart refused with --connect, a run against a broker the test
starts itself (or the one $SESSIM_TEST_BROKER names) whose facts are the
same when run again, a reset that reaches the broker as a TCP RST (a cut
as a FIN), and an interrupt that leaves no broker running and no
half-written file. TAP output.

usage: test-conform-cli.py SESSIM SCENARIO_DIR
"""
import glob
import json
import os
import shutil
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
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


class EndProxy:
    """A TCP relay between sessim and the broker that records how each
    client connection ended: "fin" (recv gave the end of the stream) or
    "rst" (the connection was reset). mosquitto 2.0.11 logs both as
    "Client X closed its connection.", so the wire is where they differ."""

    def __init__(self, target):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.ends = []
        self.lock = threading.Lock()
        self.stop = False
        self.threads = [threading.Thread(target=self.accept, daemon=True)]
        self.threads[0].start()

    def accept(self):
        self.listener.settimeout(0.1)
        while not self.stop:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self.relay, args=(client,),
                                 daemon=True)
            self.threads.append(t)
            t.start()

    def relay(self, client):
        broker = socket.create_connection(self.target, 2)
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, broker)
        sel.register(broker, selectors.EVENT_READ, client)
        end = None
        while end is None and not self.stop:
            for key, _ in sel.select(0.1):
                src, dst = key.fileobj, key.data
                try:
                    data = src.recv(65536)
                except ConnectionResetError:
                    data = None
                if data:
                    dst.sendall(data)
                    continue
                # The side that ended first decides what the other sees.
                if src is client:
                    end = "rst" if data is None else "fin"
                else:
                    end = "broker"
                if data is None:
                    dst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
                break
        with self.lock:
            self.ends.append(end or "open")
        sel.close()
        client.close()
        broker.close()

    def close(self):
        self.stop = True
        self.listener.close()
        for t in self.threads:
            t.join(5)


def facts_of(summary):
    """The facts compared, without their times (timing-sensitive), and
    which of them are marked timing-sensitive."""
    with open(summary) as f:
        d = json.load(f)
    return (d["facts"], sorted((x["client"], x["fact"], x["nth"], x["what"])
                               for x in d["differences"]
                               if x["class"] != "timing"),
            d["timing_sensitive"],
            [(x["client"], x["fact"], x["nth"], x["timing_sensitive"],
              x["timer"]) for x in d["compared"]])


def flags_well_formed(summary):
    """Every fact compared and every difference says whether it is
    timing-sensitive, and the count agrees."""
    with open(summary) as f:
        d = json.load(f)
    marked = [x for x in d["compared"] if x["timing_sensitive"]]
    return (all(isinstance(x.get("timing_sensitive"), bool)
                and (x["timer"] is not None) == x["timing_sensitive"]
                for x in d["compared"] + d["differences"])
            and len(marked) == d["timing_sensitive"])


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
            check("each fact says whether it is timing-sensitive (none in "
                  "01-hello-qos0)",
                  flags_well_formed(os.path.join(runs[0][1], "01-hello-qos0",
                                                 "summary.json"))
                  and a[2] == 0, str(a))

            # reset and cut on the wire, seen from the broker's side. The
            # relay adds its own delay (and the broker keeps sessions from
            # the runs before), so only the way each connection ended is
            # checked here, not the verdict.
            for name, want in (("47-reset", "rst"),
                               ("02-lost-without-session", "fin")):
                proxy = EndProxy(address)
                try:
                    p = run(["--connect", proxy.address, "--time-scale",
                             "0.2", "-q", "-o", os.path.join(tmp, name),
                             os.path.join(SCENARIOS, name + ".scn")])
                finally:
                    proxy.close()
                check(f"{name}: the broker sees the client's {want.upper()}",
                      p.returncode in (0, 1, 4) and want in proxy.ends
                      and (want == "rst") == ("rst" in proxy.ends),
                      f"{p.returncode} {proxy.ends} {p.stdout}{p.stderr}")
        finally:
            if broker is not None:
                broker.terminate()
                try:
                    broker.wait(5)
                except subprocess.TimeoutExpired:
                    broker.kill()
                    broker.wait()

        # Timers: the wills of 24-will-delay go out when a will delay and a
        # session expiry run out, so their deliveries are timing-sensitive;
        # each run has its own broker, and the marks are the same twice.
        will_delay = os.path.join(SCENARIOS, "24-will-delay.scn")
        marks = []
        for i in range(2):
            o = os.path.join(tmp, f"timers{i}")
            p = run(["--broker", "mosquitto", "--profile", "mosquitto-2.0",
                     "--time-scale", "0.2", "-q", "-o", o, will_delay])
            summary = os.path.join(o, "24-will-delay", "summary.json")
            marks.append((p, summary,
                          facts_of(summary) if os.path.exists(summary)
                          else None))
        p, summary, first = marks[0]
        check("24-will-delay: the two wills are marked timing-sensitive",
              first is not None and flags_well_formed(summary)
              and first[2] == 2
              and sorted(x[4] for x in first[3] if x[3])
              == ["session-expiry", "will-delay"],
              f"{p.returncode} {first} {p.stdout}{p.stderr}")
        check("24-will-delay: a rerun marks the same facts",
              first is not None and marks[1][2] is not None
              and first[2:] == marks[1][2][2:],
              f"{first} {marks[1][2]}")
        conform_txt = os.path.join(os.path.dirname(summary), "conform.txt")
        text = open(conform_txt).read() if os.path.exists(conform_txt) else ""
        check("conform.txt counts and lists the timing-sensitive facts",
              ", 2 timing-sensitive (" in text
              and sum(line.startswith("~ ") and "timing-sensitive (" in line
                      for line in text.splitlines()) == 2, text)

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
