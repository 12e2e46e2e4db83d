"""Which lines of the module under test each drafted test ran, one coverage run for all.

The tests run under coverage with dynamic contexts (:mod:`ttabot.drafting.pytestrun`
switches the context to each test's node id around the test alone), so each
line's contexts name the tests that ran it; a test earns its place only with
changed lines of its own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ttabot.drafting.sandbox import Sandbox


def lines_by_test(sandbox: Sandbox, module: str, names: Sequence[str]) -> dict[str, frozenset[int]]:
    """Lines of ``module`` each test ran in the last coverage run (by dynamic context).

    Data ttabot will not read (a link, garbage) raises
    :class:`~ttabot.drafting.readback.UnsafeFile`.
    """
    out: dict[str, set[int]] = {n: set() for n in names}
    with sandbox.coverage_data() as data:
        if data is None:
            return {n: frozenset() for n in names}
        target = os.path.realpath(sandbox.path / module)
        for measured in data.measured_files():
            if os.path.realpath(measured) != target:
                continue
            for line, contexts in data.contexts_by_lineno(measured).items():
                for context in contexts:
                    for name in names:
                        if context_of(context, name):
                            out[name].add(line)
    return {n: frozenset(lines) for n, lines in out.items()}


def context_of(context: str, name: str) -> bool:
    """Whether a coverage context (a test's node id: ``tests/test_x.py::test``,
    ``tests/test_x.py::Class::test[case]``) is one of test ``name``'s: a function's is
    the test itself, a ``Test`` class's any test inside it, ``Class.method`` that method.
    """
    _path, sep, rest = context.partition("::")
    if not sep:
        return False
    parts = rest.split("[", 1)[0].split("::")
    if "." in name:  # Class.method: that method of that class
        return parts[-2:] == name.split(".")
    if name.startswith("Test"):  # a class (pytest collects functions named test*, lowercase)
        return name in parts[:-1]
    return parts == [name]
