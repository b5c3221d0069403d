"""Shared helpers for Kagami's benchmarks (bench/*.py): prerequisites, conditions, cleanup, statistics.

Everything here is stdlib only. The stacks themselves come from Tests/Integration/harness.py.
"""
from __future__ import annotations

import atexit
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Integration"))

import harness  # noqa: E402  (after the sys.path change)

SWIFT = "/opt/swift/usr/bin/swift"


# --- prerequisites -----------------------------------------------------------------------------------

def die(message: str, code: int = 2):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def require_tools(*tools: str):
    hints = {"nginx": "apt-get install nginx-light (or nginx)", "wrk": "apt-get install wrk",
             "perf": "apt-get install linux-perf"}
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        die("missing " + ", ".join(missing) + ": " + "; ".join(hints.get(t, f"install {t}") for t in missing))
    for f in ("/etc/nginx/fastcgi_params", "/etc/nginx/mime.types"):
        if "nginx" in tools and not Path(f).exists():
            die(f"{f} is missing (the harness copies it): apt-get install nginx-common")


def kagami_bin() -> Path:
    """Where ChatHandler and SiteGen are: $KAGAMI_BIN, else the default release build (not built here)."""
    if os.environ.get("KAGAMI_BIN"):
        path = Path(os.environ["KAGAMI_BIN"])
    else:
        out = subprocess.run([SWIFT if Path(SWIFT).exists() else "swift", "build", "-c", "release",
                              "--show-bin-path"], cwd=ROOT, capture_output=True, text=True)
        path = Path(out.stdout.strip()) if out.returncode == 0 else Path("/nonexistent")
    for exe in ("ChatHandler", "SiteGen"):
        if not os.access(path / exe, os.X_OK):
            die(f"{path / exe} not found: build first (swift build -c release --product ChatHandler && "
                f"swift build -c release --product SiteGen) or set KAGAMI_BIN to the directory holding them "
                f"(bench/run-all.sh does both)")
    os.environ["KAGAMI_BIN"] = str(path)  # harness.Stack reads it
    return path


# --- cleanup -----------------------------------------------------------------------------------------

_cleanups: list = []


def on_exit(fn):
    """Registers fn to run at exit (LIFO), also after SIGTERM/SIGHUP/Ctrl-C."""
    _cleanups.append(fn)
    return fn


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - cleanup must go on
            print(f"cleanup: {error}", file=sys.stderr)
    _reap_children()


def _reap_children():
    """Safety net: terminate any direct child process of ours still running (by PID, nothing broader)."""
    me = os.getpid()
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == me:
            kids.append(int(entry.name))
    for pid in kids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    for pid in kids:
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:
                break
            time.sleep(0.05)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def install_cleanup():
    """Cleans up at exit, on SIGTERM/SIGHUP and Ctrl-C. Also points `tempfile` at a private directory
    (removed last), so everything the harness creates, even from a half-started stack, goes with it."""
    atexit.register(_run_cleanups)
    import tempfile
    private = tempfile.mkdtemp(prefix="kagami-bench-")
    tempfile.tempdir = private
    _cleanups.append(lambda: shutil.rmtree(private, ignore_errors=True))

    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def start_stack(config: dict, **kwargs):
    """harness.Stack(config), with a readable error when the binaries and the checkout disagree."""
    try:
        return harness.Stack(config, **kwargs)
    except subprocess.CalledProcessError as error:
        die(f"{Path(error.cmd[0]).name} failed ({error.returncode}): {(error.stderr or '').strip()[-600:]}\n"
            f"(are the binaries in {os.environ.get('KAGAMI_BIN')} older than this checkout's templates/harness? "
            f"rebuild them)", 1)
    except TimeoutError as error:
        die(f"Kagami stack did not start: {error}", 1)


# --- conditions --------------------------------------------------------------------------------------

def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout + out.stderr).strip()
    return text.splitlines()[0] if text else "?"


def conditions(extra_tools: dict[str, list[str]] | None = None) -> list[tuple[str, str]]:
    cpu = "?"
    try:
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = m.group(1).strip() if m else platform.machine()
    except OSError:
        pass
    mem_gb = "?"
    try:
        m = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem_gb = f"{int(m.group(1)) / 1024 / 1024:.1f} GB"
    except (OSError, AttributeError):
        pass
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    rev = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    binaries = os.environ.get("KAGAMI_BIN", "?")
    try:
        built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(Path(binaries, "ChatHandler").stat().st_mtime))
    except OSError:
        built = "?"
    rows = [
        ("machine", f"{os.cpu_count()} cores ({cpu}), {mem_gb} RAM, load avg at start {load}"),
        ("os", f"{platform.system()} {platform.release()}, {_first_line(['sh', '-c', '. /etc/os-release; echo $PRETTY_NAME'])}"),
        ("kagami", f"checkout at git {rev}{' + uncommitted changes' if dirty else ''} now; binaries {binaries} "
                   f"(ChatHandler built {built})"),
        ("swift", _first_line([SWIFT if Path(SWIFT).exists() else "swift", "--version"])),
        ("nginx", _first_line(["nginx", "-v"])),
        ("python", platform.python_version()),
    ]
    for name, cmd in (extra_tools or {}).items():
        rows.append((name, _first_line(cmd)))
    return rows


def print_conditions(title: str, rows: list[tuple[str, str]]):
    print(f"== {title}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"   {key.ljust(width)}  {value}")
    sys.stdout.flush()


# --- statistics --------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of raw samples."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(min(rank, len(ordered))) - 1]


def median(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def hist_percentile(hist: dict[int, int], p: float) -> float:
    """Nearest-rank percentile of a {value: count} histogram."""
    total = sum(hist.values())
    if total == 0:
        return float("nan")
    rank = max(1, -(-total * p // 100))
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    return max(hist)


def rss_kb(pid: int, field: str = "VmRSS") -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def pss_kb(pid: int) -> int | None:
    """Proportional set size (shared library pages divided among the processes mapping them)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def mb(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.1f} MB"


# --- CPU accounting ----------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of pid so far, ns (from /proc/PID/task/*/schedstat; 0 if gone)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def system_busy_ns() -> int:
    """Busy CPU time of the whole machine (all cores), ns, from /proc/stat (user nice system irq softirq steal)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields[7] if len(fields) > 7 else 0)
    return busy * 1_000_000_000 // CLK_TCK


def children_rusage_ns() -> int:
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return int((usage.ru_utime + usage.ru_stime) * 1e9)


class CpuMeter:
    """CPU used by named groups of processes (and by reaped children, e.g. wrk) over an interval.

    Usage: meter = CpuMeter({"ChatHandler": [pid], ...}); meter.start(); ...; used = meter.stop()
    `used` maps each group, "client" (children reaped meanwhile) and "rest" (the machine's other busy time:
    other processes, interrupts, this driver) to ns.
    """

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups

    def _snapshot(self):
        return ({name: sum(cpu_ns(p) for p in pids) for name, pids in self.groups.items()},
                children_rusage_ns(), system_busy_ns())

    def start(self):
        self._start = self._snapshot()

    def stop(self) -> dict[str, int]:
        end = self._snapshot()
        used = {name: end[0][name] - self._start[0][name] for name in self.groups}
        used["client"] = end[1] - self._start[1]
        total = end[2] - self._start[2]
        used["rest"] = max(0, total - sum(used.values()))
        used["total"] = total
        return used


def noise_text(rest_ns: int, seconds: float) -> tuple[float, str]:
    """The rest of the machine's busy time as % of one core, with a warning above 20 %."""
    share = rest_ns / 1e9 / seconds * 100 if seconds > 0 else 0.0
    warn = "  <- NOISY: something else was using the CPU; rerun on a quiet machine" if share > 20 else ""
    return share, f"{share:.0f}% of one core{warn}"


def wait_for_quiet(max_wait: float | None = None, threshold: float = 15.0):
    """Waits (at most max_wait s, default $BENCH_WAIT_QUIET or 0) until the machine is idle: under `threshold`
    % of one core busy over 3 s. For shared machines; prints what it saw."""
    if max_wait is None:
        max_wait = float(os.environ.get("BENCH_WAIT_QUIET", "0") or 0)
    if max_wait <= 0:
        return
    deadline = time.monotonic() + min(max_wait, 900)
    while True:
        start, t0 = system_busy_ns(), time.monotonic()
        time.sleep(3)
        share = (system_busy_ns() - start) / 1e9 / (time.monotonic() - t0) * 100
        if share < threshold:
            print(f"   (machine quiet: {share:.0f}% of one core busy over 3 s)")
            return
        if time.monotonic() > deadline:
            print(f"   (machine still busy after waiting: {share:.0f}% of one core; measuring anyway)")
            return
        time.sleep(5)


def per_request_us(used: dict[str, int], requests: int) -> str:
    if requests <= 0:
        return "n/a"
    return ", ".join(f"{name} {ns / requests / 1000:.0f}" for name, ns in used.items())
