#!/usr/bin/env python3
# Drives headless Chromium over the reports of every bundled scenario:
# `sessim run --report` writes report.html, and this opens it from file://,
# steps through it with key presses, and checks what the page shows (the
# step counter, the highlighted timeline entry and sequence row, the state
# table) and that no console error was logged; at the last step the state
# shown must be the one summary.json records. Screenshots are kept in the
# build folder as test artefacts. Talks the DevTools protocol over
# --remote-debugging-pipe (fds 3 and 4, NUL-terminated JSON), standard
# library only. Chromium runs in a process group of its own, killed on the
# way out whatever happened.
#
# usage: test-report.py SESSIM SCENARIO_DIR ARTEFACT_DIR
import base64
import glob
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TAP = []


def tap(ok, name, why=""):
    TAP.append((ok, name, why))
    line = "%s %d - %s" % ("ok" if ok else "not ok", len(TAP), name)
    print(line + ("" if ok or not why else "\n# " + why.replace("\n", "\n# ")),
          flush=True)


class Browser:
    def __init__(self, profile):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError("chromium is not installed (Debian package "
                               "`chromium`)")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        args = [exe, "--headless", "--remote-debugging-pipe",
                "--user-data-dir=" + profile, "--no-first-run",
                "--no-default-browser-check", "--disable-gpu",
                "--disable-extensions", "--disable-background-networking",
                "--disable-sync", "--disable-dev-shm-usage",
                "--allow-file-access-from-files", "about:blank"]
        # Root (CI containers) cannot use Chromium's sandbox.
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")

        # fds 3 and 4 are the pipe's ends in Chromium; os.pipe's own fds
        # are close-on-exec, so nothing else leaks into it. Its own process
        # group, so that close() can end it and every helper it started.
        self.pid = os.posix_spawn(
            exe, args, os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, to_chrome_r, 3),
                (os.POSIX_SPAWN_DUP2, from_chrome_w, 4),
            ],
            setpgroup=0)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if not r:
                continue
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session is not None:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                del self.events[i]
                return e
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def attach(self):
        t = self.send("Target.createTarget", {"url": "about:blank"},
                      session=False)
        a = self.send("Target.attachToTarget",
                      {"targetId": t["targetId"], "flatten": True},
                      session=False)
        self.session = a["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(domain + ".enable")

    def eval(self, expr):
        r = self.send("Runtime.evaluate",
                      {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluating %s: %s" %
                               (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def key(self, key, code=None, vk=0, text=None):
        p = {"type": "keyDown", "key": key, "code": code or key,
             "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        if text is not None:
            p["text"] = text
        self.send("Input.dispatchKeyEvent", p)
        p = dict(p, type="keyUp")
        p.pop("text", None)
        self.send("Input.dispatchKeyEvent", p)

    def console_errors(self):
        """Errors logged since the last call, and forgets them."""
        bad = []
        keep = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                bad.append(json.dumps(p.get("exceptionDetails", {}))[:400])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in (
                    "error", "assert"):
                bad.append(json.dumps(p.get("args", []))[:400])
            elif m == "Log.entryAdded" and p.get("entry", {}).get(
                    "level") == "error":
                bad.append(p["entry"].get("text", "")[:400])
            else:
                keep.append(e)
        self.events = [e for e in keep if e.get("method") not in (
            "Runtime.consoleAPICalled", "Log.entryAdded")]
        return bad

    def screenshot(self, path):
        r = self.send("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if os.waitpid(self.pid, os.WNOHANG)[0] != 0:
                    self.pid_reaped = True
                    break
                time.sleep(0.05)
        except Exception:
            pass
        finally:
            # The whole group, the renderer and other helpers too, even
            # when the browser itself has already gone.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if not getattr(self, "pid_reaped", False):
                try:
                    os.waitpid(self.pid, 0)
                except ChildProcessError:
                    pass
            for fd in (self.to_chrome, self.from_chrome):
                try:
                    os.close(fd)
                except OSError:
                    pass


KEYS = {"ArrowRight": 39, "ArrowLeft": 37, "Home": 36, "End": 35,
        "Tab": 9, "Enter": 13}

STATE_JS = """(function(){
 var sel=document.querySelector('#timeline li[aria-selected=true]');
 var vis=[].filter.call(document.querySelectorAll('#snaps .snap'),
   function(d){return !d.hidden;});
 return {counter:document.getElementById('counter').textContent,
  selected:sel?sel.id:null,
  nsel:document.querySelectorAll('#timeline li[aria-selected=true]').length,
  visible:vis.map(function(d){return d.id;}),
  body:vis.length?vis[0].getAttribute('data-body'):null,
  table:vis.length?vis[0].innerText:'',
  band:!!document.querySelector('#sequence rect.band'),
  hashere:document.querySelectorAll('#sequence g.here').length,
  lifehere:document.querySelectorAll('figure.life g.here').length,
  active:document.activeElement?(document.activeElement.id||
    document.activeElement.tagName):null};})()"""


def check_report(b, name, html, summary, shots):
    url = "file://" + os.path.abspath(html)
    b.send("Page.navigate", {"url": url})
    b.wait_event("Page.loadEventFired")
    ready = b.eval("document.documentElement.getAttribute('data-ready')")
    if ready != "1":
        return "the page's script did not finish"
    data = b.eval("JSON.parse(document.getElementById('sessim-data')"
                  ".textContent)")
    n = data["n"]
    s = b.eval(STATE_JS)
    if s["counter"] != "Step 0 of %d" % n or s["nsel"] != 0:
        return "at the start: %r" % s
    if n != b.eval("document.querySelectorAll('#timeline li').length"):
        return "the timeline has not one entry per step"
    # Focus the timeline the way a keyboard user does: Tab until there.
    for _ in range(12):
        b.key("Tab", vk=KEYS["Tab"])
        if b.eval("document.activeElement.id") == "timeline":
            break
    else:
        return "the timeline is not reachable with Tab"
    sessions = len(summary["final_state"]["sessions"])
    for k in range(1, n + 1):
        b.key("ArrowRight", vk=KEYS["ArrowRight"])
        s = b.eval(STATE_JS)
        want = "Step %d of %d" % (k, n)
        if s["counter"] != want or s["selected"] != "step-%d" % k \
                or s["nsel"] != 1:
            return "after %d presses: counter %r, selected %r" % (
                k, s["counter"], s["selected"])
        if s["visible"] != ["snap-%d" % data["snap"][k]]:
            return "step %d shows state %r, not snap-%d" % (
                k, s["visible"], data["snap"][k])
        if data["row"][k] >= 0 and not (s["band"] and s["hashere"] > 0):
            return "step %d: no highlighted row in the sequence" % k
        if s["lifehere"] != sessions:
            return "step %d: %d lifecycle states outlined, want %d" % (
                k, s["lifehere"], sessions)
        if k == n // 2:
            b.screenshot(os.path.join(shots, name + ".png"))
    b.key("ArrowRight", vk=KEYS["ArrowRight"])
    s = b.eval(STATE_JS)
    if s["counter"] != "Step %d of %d" % (n, n):
        return "stepping past the end moved to %r" % s["counter"]
    # The last step shows what summary.json says the run ended with.
    shown = json.loads(s["body"])
    if shown != summary["final_state"]:
        return "the state at the last step differs from summary.json"
    for sess in summary["final_state"]["sessions"]:
        if sess["client_id"] not in s["table"]:
            return "the table does not name session %s" % sess["client_id"]
        for sub in sess.get("subscriptions", []):
            if sub["filter"] not in s["table"]:
                return "subscription %s not shown" % sub["filter"]
        for m in sess.get("waiting", []) + sess.get("unacked", []):
            if m.get("payload") and m["payload"] not in s["table"]:
                return "message %s not shown" % m["payload"]
    for c in summary["final_state"]["clients"]:
        if c["client"] not in s["table"]:
            return "the table does not name client %s" % c["client"]
    b.key("Home", vk=KEYS["Home"])
    if b.eval(STATE_JS)["counter"] != "Step 0 of %d" % n:
        return "Home did not go back to the start"
    b.key("ArrowLeft", vk=KEYS["ArrowLeft"])
    if b.eval(STATE_JS)["counter"] != "Step 0 of %d" % n:
        return "ArrowLeft moved before the start"
    b.key("End", vk=KEYS["End"])
    if b.eval(STATE_JS)["counter"] != "Step %d of %d" % (n, n):
        return "End did not go to the last step"
    # Each verdict's button, pressed with Enter, goes to its step.
    goto = b.eval("[].map.call(document.querySelectorAll('#verdicts "
                  "[data-goto]'),function(x){return +x.getAttribute("
                  "'data-goto');})")
    if not goto:
        return "no verdicts to follow"
    for i, step in enumerate(goto):
        b.eval("document.querySelectorAll('#verdicts [data-goto]')[%d]"
               ".focus()" % i)
        b.key("Enter", vk=KEYS["Enter"], text="\r")
        got = b.eval(STATE_JS)["counter"]
        if got != "Step %d of %d" % (step, n):
            return "verdict %d went to %r, not step %d" % (i, got, step)
    # Questions: the answer shows only when asked, and leads to its step.
    nq = b.eval("document.querySelectorAll('button.reveal').length")
    for i in range(nq):
        q = "document.querySelectorAll('button.reveal')[%d]" % i
        a = "document.getElementById(%s.getAttribute('aria-controls'))" % q
        if not b.eval(a + ".hidden"):
            return "question %d shows its answer before it is asked" % i
        b.eval(q + ".focus()")
        b.key("Enter", vk=KEYS["Enter"], text="\r")
        if b.eval(a + ".hidden") or b.eval(q + ".getAttribute("
                                           "'aria-expanded')") != "true":
            return "question %d: Enter did not show the answer" % i
        step = b.eval(a + ".querySelector('[data-goto]')?+" + a +
                      ".querySelector('[data-goto]').getAttribute("
                      "'data-goto'):-1")
        if step >= 0:
            b.eval(a + ".querySelector('[data-goto]').focus()")
            b.key("Enter", vk=KEYS["Enter"], text="\r")
            got = b.eval(STATE_JS)["counter"]
            if got != "Step %d of %d" % (step, n):
                return "question %d went to %r, not step %d" % (i, got, step)
    labels = b.eval("[].every.call(document.querySelectorAll('button'),"
                    "function(x){return x.getAttribute('aria-label')||"
                    "x.textContent.trim();})")
    if not labels:
        return "a button has no accessible name"
    return None


def main():
    sessim, scenario_dir, shots = sys.argv[1:4]
    # meson's timeout sends SIGTERM: unwind, so that close() runs. (Were
    # this process killed outright, Chromium would still go: it exits when
    # its end of the pipe closes.)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    os.makedirs(shots, exist_ok=True)
    scenarios = sorted(glob.glob(os.path.join(scenario_dir, "*.scn")))
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("1..0 # SKIP chromium is not installed (Debian package "
              "`chromium`; .ci/deps installs it)")
        return 0
    work = tempfile.mkdtemp(prefix="sessim-browser-")
    print("1..%d" % (len(scenarios) + 1), flush=True)
    b = None
    try:
        b = Browser(os.path.join(work, "profile"))
        b.attach()
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": 1280, "height": 900, "deviceScaleFactor": 1,
                "mobile": False})
        for path in scenarios:
            name = os.path.basename(path)[:-4]
            out = os.path.join(work, "out")
            r = subprocess.run([sessim, "run", "--quiet", "--report",
                                "-o", out, path],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=120)
            html = os.path.join(out, name, "report.html")
            if not os.path.exists(html):
                tap(False, name, "no report.html (exit %d): %s" %
                    (r.returncode, r.stderr))
                continue
            with open(os.path.join(out, name, "summary.json")) as f:
                summary = json.load(f)
            try:
                why = check_report(b, name, html, summary, shots)
            except Exception as e:  # a protocol failure fails this one
                why = "driver: %s" % e
            errors = b.console_errors()
            if errors and why is None:
                why = "console errors: %s" % "; ".join(errors)
            tap(why is None, name, why or "")
        # A phone: no sideways scrolling of the page itself.
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": 390, "height": 844, "deviceScaleFactor": 2,
                "mobile": True})
        html = os.path.join(work, "out",
                            os.path.basename(scenarios[2])[:-4],
                            "report.html")
        b.send("Page.navigate", {"url": "file://" + html})
        b.wait_event("Page.loadEventFired")
        wide = b.eval("document.documentElement.scrollWidth-"
                      "document.documentElement.clientWidth")
        b.screenshot(os.path.join(shots, "phone.png"))
        tap(wide <= 1, "phone layout", "the page is %dpx too wide" % wide)
    except Exception as e:
        tap(False, "browser", str(e))
    finally:
        if b is not None:
            b.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(ok for ok, _, _ in TAP) else 1


if __name__ == "__main__":
    sys.exit(main())
