#!/usr/bin/env python
"""The long fuzz run: every parser a user's data reaches, N hostile inputs each.

    python scripts/fuzz.py [--n 100000] [--only NAME[,NAME...]] [--seconds S] [--seed 0]
                           [--atheris] [--timeout 30] [--show 3] [--list]

Targets (tests/fuzz_targets.py): ingest of each format at the bytes level (.txt .html .jsonl
.json .xml, and a sniffed extension), read_jsonl, dates, counts, the ACLED query syntax and
the API's parameters (/api/events /api/stats /api/acled/read /api/claims).  Inputs come from
seeded generators of structured-hostile strings, bytes and parameters (the same seed, the same
inputs); with --atheris, the bytes-level targets are fuzzed coverage-guided by atheris
(libFuzzer) instead, one process each, seeded with generated inputs.

For each target it prints the inputs run, the unexpected exceptions (their count, and for the
first few distinct kinds a shrunk input that still raises it, with the traceback's last frames),
the rate in inputs/s and the slowest input.  An expected rejection (IngestError, BadQuery, a
4xx) is not an exception.  Exit status 1 if any target had an unexpected exception.

--n caps the inputs per target, --seconds the time per target (whichever comes first); an input
running past --timeout seconds counts as an unexpected outcome (a hang).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
if (ROOT / "src").is_dir():
    sys.path.insert(0, str(ROOT / "src"))


class Hang(Exception):
    """An input ran past --timeout."""


@dataclass
class Kind:
    key: tuple[str, str, str]
    count: int = 0
    first: Any = None
    summary: list[str] = field(default_factory=list)  # the traceback's last frames and the message


@dataclass
class Result:
    name: str
    inputs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    kinds: dict[tuple[str, str, str], Kind] = field(default_factory=dict)
    engine: str = "generator"

    @property
    def unexpected(self) -> int:
        return sum(k.count for k in self.kinds.values())


# --------------------------------------------------------------------------- classifying failures
_HARNESS = ("fuzz_targets.py", "fuzz.py")


def kind_of(exc: BaseException) -> tuple[tuple[str, str, str], list[str]]:
    """(exception type, where in warlog it was raised, message shape) and a short traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    cause = exc.__cause__ or exc.__context__
    if type(exc).__name__ == "Unexpected" and cause is not None:  # the guard's rerun: the original is better
        frames = traceback.extract_tb(cause.__traceback__) or frames
    ours = [f for f in frames if "/warlog/" in f.filename.replace(os.sep, "/") and not f.filename.endswith(_HARNESS)]
    where_frame = ours[-1] if ours else (frames[-1] if frames else None)
    where = f"{_short(where_frame.filename)}:{where_frame.lineno} {where_frame.name}" if where_frame else "?"
    message = str(exc)
    shape = re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", message)[:60]
    if type(exc).__name__ != "Unexpected":
        shape = ""  # the same type raised at the same line is the same bug, whatever the value
    tail = [f"{_short(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()[:120]}" for f in frames[-4:]]
    tail.append(f"{type(exc).__name__}: {message[:300]}")
    return (type(exc).__name__, where, shape), tail


def _short(filename: str) -> str:
    f = filename.replace(os.sep, "/")
    for marker in ("/src/warlog/", "/site-packages/", "/tests/", "/lib/python"):
        if marker in f:
            return f[f.index(marker) + 1:]
    return f


# --------------------------------------------------------------------------- running one input
def run_one(target: Any, x: Any, timeout: float) -> tuple[BaseException | None, float]:
    t0 = time.perf_counter()
    if timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        target.run(x)
        exc = None
    except Hang as e:
        exc = e
    except Exception as e:  # noqa: BLE001 - everything a target raises is an unexpected outcome
        exc = e
    except RecursionError as e:  # pragma: no cover - an Exception too, kept for clarity
        exc = e
    finally:
        if timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return exc, time.perf_counter() - t0


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise Hang("input ran past --timeout")


# --------------------------------------------------------------------------- shrinking
def shrink(target: Any, x: Any, key: tuple, *, timeout: float, budget_s: float = 20.0, max_runs: int = 600) -> Any:
    """A smaller input that still raises the same kind: chunks of strings, bytes and lists
    removed (ddmin-like), dates dropped, within a time and run budget."""
    deadline = time.monotonic() + budget_s
    runs = 0

    def fails(candidate: Any) -> bool:
        nonlocal runs
        if runs >= max_runs or time.monotonic() > deadline:
            return False
        runs += 1
        exc, _ = run_one(target, candidate, timeout)
        return exc is not None and kind_of(exc)[0] == key

    def seq(s: Any, rebuild: Any) -> Any:
        n = len(s)
        chunk = max(1, n // 2)
        while chunk >= 1 and runs < max_runs and time.monotonic() < deadline:
            i = 0
            changed = False
            while i < len(s):
                candidate = s[:i] + s[i + chunk:]
                if fails(rebuild(candidate)):
                    s = candidate
                    changed = True
                else:
                    i += chunk
            if not changed:
                chunk //= 2
        return s

    def walk(value: Any, rebuild: Any) -> Any:
        if isinstance(value, (str, bytes)):
            return seq(value, rebuild)
        if isinstance(value, list):
            value = seq(value, rebuild)
            for i in range(len(value)):
                value[i] = walk(value[i], lambda v, i=i: rebuild(value[:i] + [v] + value[i + 1:]))
            return value
        if isinstance(value, tuple):
            items = list(value)
            for i in range(len(items)):
                items[i] = walk(items[i], lambda v, i=i: rebuild(tuple(items[:i] + [v] + items[i + 1:])))
            return tuple(items)
        if isinstance(value, date) and fails(rebuild(None)):
            return None
        return value

    try:
        return walk(x, lambda v: v)
    except RecursionError:  # pragma: no cover
        return x


def _show(x: Any, limit: int = 400) -> str:
    s = repr(x)
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


# --------------------------------------------------------------------------- the generator engine
def fuzz_target(target: Any, *, n: int, seconds: float | None, seed: int, timeout: float) -> Result:
    rng = random.Random(seed ^ zlib.crc32(target.name.encode()))
    res = Result(target.name)
    start = time.perf_counter()
    while res.inputs < n and (seconds is None or time.perf_counter() - start < seconds):
        x = target.generate(rng)
        exc, took = run_one(target, x, timeout)
        res.inputs += 1
        res.slowest = max(res.slowest, took)
        if exc is not None:
            record(res, exc, x)
    res.seconds = time.perf_counter() - start
    return res


def record(res: Result, exc: BaseException, x: Any) -> None:
    key, tail = kind_of(exc)
    kind = res.kinds.get(key)
    if kind is None:
        kind = res.kinds[key] = Kind(key, first=x, summary=tail)
    kind.count += 1


def report(res: Result, target: Any, *, show: int, timeout: float, out: Any = sys.stdout) -> None:
    rate = res.inputs / res.seconds if res.seconds > 0 else float("inf")
    print(f"{res.name:16} {res.inputs:8d} inputs  {res.unexpected:6d} unexpected  {rate:9.1f} inputs/s  "
          f"slowest {res.slowest * 1000:8.1f} ms  [{res.engine}]", file=out, flush=True)
    for i, kind in enumerate(sorted(res.kinds.values(), key=lambda k: -k.count)):
        etype, where, _ = kind.key
        print(f"    {kind.count:6d} x {etype} at {where}", file=out)
        if i >= show:
            continue
        minimal = shrink(target, kind.first, kind.key, timeout=timeout)
        print(f"           minimal input: {_show(minimal)}", file=out)
        for line in kind.summary:
            print(f"             {line}", file=out)
    out.flush()


# --------------------------------------------------------------------------- the atheris engine
def atheris_child(name: str, *, n: int, seconds: float | None, seed: int, timeout: float, show: int) -> int:
    import atheris

    with atheris.instrument_imports(include=["warlog"]):
        import fuzz_targets
    target = fuzz_targets.TARGETS[name]
    target.run(target.from_bytes(b""))  # warm up (the store, the app) before the clock starts
    res = Result(name, engine="atheris")
    start = time.perf_counter()

    def finish() -> None:
        res.seconds = time.perf_counter() - start
        signal.setitimer(signal.ITIMER_REAL, 0)
        report(res, target, show=show, timeout=timeout)
        print(f"__result__ {res.name} {res.inputs} {res.unexpected}", flush=True)
        os._exit(1 if res.unexpected else 0)

    def one(data: bytes) -> None:
        if res.inputs >= n or (seconds is not None and time.perf_counter() - start >= seconds):
            finish()
        x = target.from_bytes(data)
        exc, took = run_one(target, x, timeout)
        res.inputs += 1
        res.slowest = max(res.slowest, took)
        if exc is not None:
            record(res, exc, x)

    corpus = tempfile.mkdtemp(prefix=f"warlog-fuzz-{name}-")
    rng = random.Random(seed ^ zlib.crc32(name.encode()))
    for i in range(64):
        Path(corpus, f"seed{i}").write_bytes(target.to_bytes(target.generate(rng))[:65536])
    signal.signal(signal.SIGALRM, _on_alarm)
    atheris.Setup([sys.argv[0], "-runs=-1", "-max_len=65536", f"-seed={seed or 1}", "-print_final_stats=0",
                   f"-timeout={int(timeout * 4) + 60}", "-rss_limit_mb=4096", corpus], one)
    atheris.Fuzz()
    finish()  # libFuzzer came back (it ran out of inputs): report what ran
    return 0


def atheris_parent(names: list[str], args: argparse.Namespace) -> list[tuple[str, int, int]]:
    results = []
    for name in names:
        cmd = [sys.executable, __file__, "--_atheris-child", name, "--n", str(args.n), "--seed", str(args.seed),
               "--timeout", str(args.timeout), "--show", str(args.show)]
        if args.seconds is not None:
            cmd += ["--seconds", str(args.seconds)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        found = None
        for line in proc.stdout.splitlines():
            if line.startswith("__result__"):
                _, n, inputs, unexpected = line.split()
                found = (n, int(inputs), int(unexpected))
            else:
                print(line)
        if found is None:  # the child died (libFuzzer's own crash handling, out of memory): say so
            print(f"{name:16} atheris run ended without a report (exit {proc.returncode}); stderr tail:")
            print("\n".join("    " + line for line in proc.stderr.splitlines()[-20:]))
            found = (name, 0, 1)
        results.append(found)
    return results


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="inputs per target (default 100000)")
    ap.add_argument("--only", help="comma-separated target names (see --list)")
    ap.add_argument("--seconds", type=float, default=None, help="time per target, at most")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds one input may take before it counts as a hang")
    ap.add_argument("--show", type=int, default=3, help="distinct kinds per target to shrink and show")
    ap.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing of the bytes-level targets with atheris")
    ap.add_argument("--list", action="store_true", help="list the targets and exit")
    ap.add_argument("--_atheris-child", dest="atheris_child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.atheris_child:
        return atheris_child(args.atheris_child, n=args.n, seconds=args.seconds, seed=args.seed,
                             timeout=args.timeout, show=args.show)

    import fuzz_targets

    targets = fuzz_targets.TARGETS
    if args.list:
        for t in targets.values():
            print(f"{t.name:16} {'bytes' if t.bytes_level else 'text/params':12} {(t.run.__doc__ or '').strip().splitlines()[0]}")
        return 0
    names = list(targets)
    if args.only:
        names = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in names if s not in targets]
        if unknown:
            ap.error(f"unknown target {', '.join(unknown)}; one of {', '.join(targets)}")

    rows: list[tuple[str, int, int]] = []
    generator_names = names
    if args.atheris:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not importable (pip install atheris, or .[fuzz]): using the generators", file=sys.stderr)
        else:
            atheris_names = [n for n in names if targets[n].bytes_level]
            generator_names = [n for n in names if not targets[n].bytes_level]
            rows += atheris_parent(atheris_names, args)

    signal.signal(signal.SIGALRM, _on_alarm)
    for name in generator_names:
        target = targets[name]
        res = fuzz_target(target, n=args.n, seconds=args.seconds, seed=args.seed, timeout=args.timeout)
        report(res, target, show=args.show, timeout=args.timeout)
        rows.append((name, res.inputs, res.unexpected))

    total = sum(r[2] for r in rows)
    print(f"\n{len(rows)} targets, {sum(r[1] for r in rows)} inputs, {total} unexpected exceptions"
          + ("" if not total else f" (in {', '.join(r[0] for r in rows if r[2])})"))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
