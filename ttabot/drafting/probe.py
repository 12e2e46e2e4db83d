"""Which changed lines the existing tests run, traced only once a changed function runs.

The baseline of a tests-needed task runs the placed test module's existing tests
to learn which changed lines they already run. Under coverage that run costs
twice a plain one on Python 3.11 (tenacity's test module: 2.0 s of CPU against
0.9 s): any trace function makes the interpreter give up its specialised
instructions in every frame, whatever file the frame belongs to. Yet only the
changed functions' lines matter, and most existing tests never call them.

So the module under test is imported through a finder that compiles it with one
call added at the top of each function holding a changed line (nothing else
changes: every other statement keeps its line and code). The first time a changed
function starts in a thread, that call turns a line tracer on in the thread; from
then on it records the lines of the module's frames exactly as coverage's tracer
does. Until then nothing is traced and the tests run at full speed.

When the module was not imported through the finder (already imported, or loaded
by path), the probe says so and the caller measures with coverage instead. One
difference from coverage stays: a thread that existed before the first changed
call is traced only once a changed function runs in it (a lambda of a changed
function handed to such a thread runs untraced; its line in the function is seen).
The bootstrap goes by ``python -c``; its settings come as JSON in ``argv``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from ttabot.drafting.pytestrun import pytest_flags

#: Where the probe writes what it saw, in the copy (read back through no link).
PROBE_FILE = ".ttabot-probe.json"

BOOTSTRAP = """\
import ast, builtins, importlib.machinery, json, os, sys, threading
settings = json.loads(sys.argv[1])
args = sys.argv[2:]
del sys.argv[1:2]
import pytest

target = os.path.realpath(settings["file"])
starts = set(settings["functions"])
filenames = {target}  # and the path each instrumented import compiled it under
hits = set()
found = set()
state = {"instrumented": False}


def local_trace(frame, event, arg):
    if event == "line":
        hits.add(frame.f_lineno)
    return local_trace


def global_trace(frame, event, arg):
    if frame.f_code.co_filename in filenames:
        return local_trace
    return None


def probe():
    caller = sys._getframe(1)
    hits.add(caller.f_lineno)
    caller.f_trace = local_trace
    if sys.gettrace() is None:  # this thread's first changed call (or a test turned it off)
        sys.settrace(global_trace)
        threading.settrace(global_trace)


class Instrument(ast.NodeTransformer):
    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        if node.lineno not in starts:
            return node
        found.add(node.lineno)
        body = node.body
        first = 0 if ast.get_docstring(node, clean=False) is None else 1
        if first < len(body):
            call = ast.Expr(ast.Call(ast.Name("__ttabot_probe__", ast.Load()), [], []))
            ast.copy_location(call, body[first])
            ast.fix_missing_locations(call)
            body.insert(first, call)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


class Loader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        source = self.get_data(self.path)
        tree = Instrument().visit(ast.parse(source, self.path))
        # Every function asked for, or the caller measures with coverage instead.
        state["instrumented"] = found == starts
        filenames.add(self.path)
        return compile(tree, self.path, "exec", dont_inherit=True)


class Finder:
    @classmethod
    def find_spec(cls, fullname, path=None, target_=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or os.path.realpath(spec.origin) != target:
            return None
        spec.loader = Loader(fullname, spec.origin)
        return spec


builtins.__ttabot_probe__ = probe
sys.meta_path.insert(0, Finder)
try:
    code = pytest.main(args)
finally:
    sys.settrace(None)
    threading.settrace(None)
    out = settings["out"]
    if os.path.lexists(out):
        os.unlink(out)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(out, flags, 0o644), "w") as handle:
        json.dump({"instrumented": state["instrumented"], "lines": sorted(hits)}, handle)
raise SystemExit(int(code))
"""


def probe_argv(
    tests: Sequence[str], module_file: str, functions: Iterable[int], out: str
) -> list[str]:
    """``python`` arguments running ``tests``, tracing ``module_file`` from a changed function on.

    ``functions`` are the ``def`` lines of the functions holding changed lines.
    """
    settings = {"file": module_file, "functions": sorted(set(functions)), "out": out}
    # -rA: the baseline also learns which existing tests pass (they must still pass later).
    return ["-c", BOOTSTRAP, json.dumps(settings), *pytest_flags(tests, report="-rA")]


def read_probe(data: bytes) -> frozenset[int] | None:
    """The lines the probe saw run; None when it could not instrument the module.

    Anything but the probe's own JSON raises :class:`ValueError`.
    """
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:  # nested past the parser's depth: the probe writes a flat list
        raise ValueError("not the probe's data") from None
    if not isinstance(value, dict) or not isinstance(value.get("lines"), list):
        raise ValueError("not the probe's data")
    lines = value["lines"]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in lines):
        raise ValueError("not the probe's data")
    return frozenset(lines) if value.get("instrumented") is True else None
