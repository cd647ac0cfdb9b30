"""Bounds on diagram scripts: a CPU budget, a memory ceiling and guards against huge results.

A signal alarm works only on the main thread, and scripts run in web requests, RQ
jobs and the timer loop's thread. So the bounds are compiled into the scripts:
``TickingPolicy`` (a RestrictedPython policy) puts a call of ``_tick_()`` at the top of
every loop body, every function body, every lambda and every comprehension filter,
and turns ``*``, ``**``, ``<<``, ``+`` and ``%`` into guarded calls (``_mul_``, ``_pow_``,
``_lshift_``, ``_add_``, ``_mod_``) that refuse a string, list or number bigger than ``MAX_ITEMS``
items / ``MAX_INT_BITS`` bits before it is allocated; an f-string's format spec passes
``_spec_``, which refuses a width or precision beyond ``MAX_ITEMS`` (``f"{x:>9999999999}"``).
``Budget.tick`` counts; every ``_CHECK_EVERY`` ticks it reads the thread's CPU clock and, now and then, the process's
resident memory (the budget starts at the first check: a short script never reads a
clock). Over the budget it raises ``BudgetExceeded`` — a ``BaseException``, so a script's
``except Exception`` cannot swallow it — and every later tick raises again.

The sandbox (``engine.scripting.sandbox``) turns ``BudgetExceeded`` and every other
``BaseException`` a script raises (``SystemExit``, ``KeyboardInterrupt``, ``GeneratorExit``)
into a ``ScriptError``, which the step routine records as an incident on the case.
"""
from __future__ import annotations

import ast
import builtins
import functools
import os
import re
import time
from dataclasses import dataclass

from RestrictedPython import RestrictingNodeTransformer

from engine.exceptions import ScriptError

MAX_ITEMS = 10_000_000  # characters of a string, items of a list/tuple, a range's length
MAX_INT_BITS = 1_000_000  # a number of about 300,000 digits
_CHECK_EVERY = 1024  # ticks between two reads of the CPU clock
_MEMORY_EVERY = 0.05  # CPU seconds between two reads of the resident memory
_SEQUENCES = (str, bytes, list, tuple)


@dataclass(frozen=True)
class Limits:
    """How much one script or expression may use: CPU seconds of its thread, memory growth in MB."""

    cpu_seconds: float = 2.0
    memory_mb: int = 256


class BudgetExceeded(BaseException):  # noqa: N818 - read as "the budget was exceeded"
    """A script went over its CPU budget or memory ceiling; not an ``Exception``, so scripts cannot catch it."""


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Budget:
    """One script run's budget; ``tick`` is what the compiled script calls."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.ticks = 0
        self.next_check = _CHECK_EVERY
        self.started: float | None = None  # read at the first check: most scripts never get there
        self.memory_at = 0.0
        self.resident: int | None = None
        self.exceeded: str | None = None

    def tick(self) -> bool:
        self.ticks += 1
        if self.ticks >= self.next_check:
            self.check()
        return True

    def check(self) -> None:
        """Raise ``BudgetExceeded`` if the run is over its budget (and at every later tick)."""
        self.next_check = self.ticks + _CHECK_EVERY
        used = time.thread_time()
        if self.started is None:
            self.started = self.memory_at = used
            self.resident = _resident_bytes()
        elif self.exceeded is None:
            if used - self.started > self.limits.cpu_seconds:
                self.exceeded = f"used more than {self.limits.cpu_seconds:g} s of CPU time"
            elif used - self.memory_at > _MEMORY_EVERY and self.resident is not None:
                self.memory_at = used
                now = _resident_bytes()
                if now is not None and now - self.resident > self.limits.memory_mb * 2**20:
                    self.exceeded = f"used more than {self.limits.memory_mb} MB of memory"
        if self.exceeded is not None:
            self.next_check = self.ticks + 1  # and every later tick raises again
            raise BudgetExceeded(self.exceeded)


def _too_big(what: str) -> ScriptError:
    return ScriptError(f"the script would build {what}; refused (limit {MAX_ITEMS:,} items)")


def _length_times(seq, n) -> None:
    if isinstance(n, int) and n > 0 and len(seq) * n > MAX_ITEMS:
        raise _too_big(f"a {type(seq).__name__} of {len(seq) * n:,} items")


def guarded_mul(a, b):
    if isinstance(a, _SEQUENCES):
        _length_times(a, b)
    elif isinstance(b, _SEQUENCES):
        _length_times(b, a)
    return a * b


def guarded_add(a, b):
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > MAX_ITEMS:
        raise _too_big(f"a {type(a).__name__} of {len(a) + len(b):,} items")
    return a + b


def guarded_pow(a, b, mod=None):
    if mod is None and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 \
            and a.bit_length() * b > MAX_INT_BITS:
        raise ScriptError(f"the script would compute a number of more than {MAX_INT_BITS:,} bits; refused")
    return builtins.pow(a, b, mod)


def guarded_lshift(a, b):
    if isinstance(a, int) and isinstance(b, int) and a and b > MAX_INT_BITS:
        raise ScriptError(f"the script would compute a number of more than {MAX_INT_BITS:,} bits; refused")
    return a << b


def guarded_range(*args):
    result = range(*args)
    if len(result) > MAX_ITEMS:
        raise _too_big(f"a range of {len(result):,} numbers")
    return result


def guarded_iter(obj):
    """``iter(x)``; the two-argument form (a callable until a sentinel) loops in C, out of the budget's reach."""
    return iter(obj)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC_NUMBER = re.compile(r"\d+")


def _size_in_spec(number: str | None) -> None:
    if number and number.isdigit() and int(number) > MAX_ITEMS:
        raise _too_big(f"a string of {int(number):,} characters")


@functools.lru_cache(maxsize=1024)
def _percent_format_takes_sizes(text: str) -> bool:
    """Refuse a ``%``-format with a literal width or precision beyond ``MAX_ITEMS``; whether it takes one
    from its arguments (``*``). Cached: formats are nearly always literals of the diagram."""
    stars = False
    for width, precision in _PERCENT_SPEC.findall(text):
        _size_in_spec(width)
        _size_in_spec(precision)
        stars = stars or "*" in (width, precision)
    return stars


def guarded_mod(a, b):
    """``a % b``; for a ``%``-format, its widths and precisions (``%9999999999d``, ``%*d``) checked first."""
    if isinstance(a, (str, bytes)):
        if _percent_format_takes_sizes(a if isinstance(a, str) else a.decode("latin-1")):
            for value in b if isinstance(b, tuple) else (b,):
                if isinstance(value, int) and abs(value) > MAX_ITEMS:
                    raise _too_big(f"a string of {abs(value):,} characters")
    return a % b


@functools.lru_cache(maxsize=1024)
def guarded_spec(spec: str) -> str:
    """An f-string's format spec, with no width or precision beyond ``MAX_ITEMS``."""
    for number in _SPEC_NUMBER.findall(spec):
        _size_in_spec(number)
    return spec


_PADDERS = ("ljust", "rjust", "center", "zfill", "expandtabs", "replace")


def guard_string_method(obj, name: str, method):
    """A str/bytes method that can grow its result by an argument (padding, replace), with that growth checked."""
    if name not in _PADDERS or not isinstance(obj, (str, bytes)):
        return method

    def checked(*args):
        if name == "replace":
            grows = len(args) > 1 and len(args[1]) > len(args[0])
            size = len(obj) * (len(args[1]) + 1) if grows else 0
        elif name == "expandtabs":
            size = obj.count("\t" if isinstance(obj, str) else b"\t") * (args[0] if args else 8)
        else:
            size = args[0] if args and isinstance(args[0], int) else 0
        if size > MAX_ITEMS:
            raise _too_big(f"a string of {size:,} characters")
        return method(*args)
    return checked


_GUARDED_OPS = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Add: "_add_", ast.Mod: "_mod_"}


def _harmless_format(left: ast.expr) -> bool:
    """A literal left of ``%`` that needs no guard: a number, or a format with small sizes and no ``*``."""
    if not isinstance(left, ast.Constant):
        return False
    if isinstance(left.value, (int, float)) and not isinstance(left.value, bool):
        return True
    if not isinstance(left.value, (str, bytes)):
        return False
    try:
        text = left.value if isinstance(left.value, str) else left.value.decode("latin-1")
        return not _percent_format_takes_sizes(text)
    except ScriptError:
        return False  # refused when it runs, with the step's incident


def _harmless_spec(spec: ast.expr) -> bool:
    """An f-string format spec made of literal text only, with small sizes (``:>10``, ``:.2f``)."""
    if not (isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values)):
        return False
    try:
        guarded_spec("".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant)))
    except ScriptError:
        return False
    return True


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _tick_statement() -> ast.Expr:
    return ast.Expr(value=_call("_tick_"))


class _Ticker(ast.NodeTransformer):
    """Inserts the budget's ticks and the size guards into an already restricted tree."""

    def visit_BinOp(self, node: ast.BinOp):
        self.generic_visit(node)
        name = _GUARDED_OPS.get(type(node.op))
        if name == "_mod_" and _harmless_format(node.left):
            return node  # "PT%dH" % hours: a literal format, checked here once
        return ast.copy_location(_call(name, node.left, node.right), node) if name else node

    def visit_FormattedValue(self, node: ast.FormattedValue):
        self.generic_visit(node)
        if node.format_spec is not None and not _harmless_spec(node.format_spec):  # passes _spec_ when it runs
            spec = ast.FormattedValue(value=_call("_spec_", node.format_spec), conversion=-1, format_spec=None)
            node.format_spec = ast.copy_location(ast.JoinedStr(values=[spec]), node.format_spec)
        return node

    def _tick_body(self, node):
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(_tick_statement(), node))
        return node

    visit_For = visit_While = visit_FunctionDef = _tick_body

    def visit_Lambda(self, node: ast.Lambda):
        self.generic_visit(node)
        node.body = ast.BoolOp(op=ast.And(), values=[_call("_tick_"), node.body])
        return node

    def visit_comprehension(self, node: ast.comprehension):
        self.generic_visit(node)
        node.ifs.insert(0, _call("_tick_"))
        return node


class TickingPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, then the budget's ticks and the size guards (see the module docstring)."""

    def visit_Module(self, node):
        return ast.fix_missing_locations(_Ticker().visit(super().visit_Module(node)))

    def visit_Expression(self, node):
        return ast.fix_missing_locations(_Ticker().visit(super().visit_Expression(node)))
