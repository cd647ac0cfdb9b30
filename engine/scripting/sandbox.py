"""The restricted script environment: diagram scripts and expressions under RestrictedPython.

SpiffWorkflow's stock environment is plain ``exec``/``eval`` with full builtins.
Here every script, condition, timer expression and DMN entry is compiled with
``compile_restricted_*`` and run with RestrictedPython's guards: no imports, no
``open``, no names or attributes starting with ``_`` (so no ``__class__``,
``__globals__`` or ``__subclasses__``), no ``eval``/``exec``/``type``. Business
scripts keep arithmetic, containers, comprehensions, f-strings and the usual
builtins. Compiled code is cached, since conditions run on every step.

Every run is bounded (``engine.scripting.bounds``): a CPU budget and a memory ceiling
(``Limits``, from the settings), guards against huge strings, lists and numbers, and
no ``BaseException`` leaves a script: ``SystemExit``, ``KeyboardInterrupt``,
``GeneratorExit`` (none of them is a builtin here) and a broken budget all become a
``ScriptError``, which SpiffWorkflow turns into the failing task's error.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable
from types import CodeType

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.caching import LockedLRU
from engine.exceptions import ScriptError
from engine.scripting import bounds
from engine.scripting.bounds import Budget, BudgetExceeded, Limits, TickingPolicy

_EXTRA_BUILTINS = ("min", "max", "sum", "enumerate", "all", "any", "dict", "list", "set", "frozenset",
                   "reversed", "map", "filter", "iter", "next")
BUILTINS = dict(safe_builtins)
BUILTINS.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
BUILTINS.update(range=bounds.guarded_range, pow=bounds.guarded_pow, iter=bounds.guarded_iter)
for _name in ("BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"):
    BUILTINS.pop(_name, None)

_INPLACE = {"+=": bounds.guarded_add, "-=": lambda a, b: a - b, "*=": bounds.guarded_mul,
            "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": bounds.guarded_mod,
            "**=": bounds.guarded_pow}


def _inplacevar(op, x, y):
    if op not in _INPLACE:
        raise ScriptError(f"operator {op} is not allowed in scripts")
    return _INPLACE[op](x, y)


def _getattr(obj, name, *default):
    return bounds.guard_string_method(obj, name, safer_getattr(obj, name, *default))


GUARDS = {
    "__builtins__": BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_mul_": bounds.guarded_mul,
    "_add_": bounds.guarded_add,
    "_pow_": bounds.guarded_pow,
    "_lshift_": bounds.guarded_lshift,
    "_mod_": bounds.guarded_mod,
    "_spec_": bounds.guarded_spec,
}

# (mode, source) -> (code object, whether it ticks: has loops, functions or comprehensions)
_compiled: LockedLRU[tuple[str, str], tuple[CodeType, bool]] = LockedLRU(4096)


def _ticks(code: CodeType) -> bool:
    return "_tick_" in code.co_names or any(_ticks(c) for c in code.co_consts if isinstance(c, CodeType))


def _compile(source: str, mode: str) -> tuple[CodeType, bool]:
    def build():
        compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compiler(source.strip() if mode == "eval" else source, policy=TickingPolicy)
        if result.errors:
            raise ScriptError("; ".join(result.errors))
        return result.code, _ticks(result.code)
    return _compiled.get_or_make((mode, source), build)


def check_restricted(source: str, mode: str) -> str | None:
    """None if ``source`` compiles in restricted ``mode`` ('exec' or 'eval'), else the error text."""
    try:
        _compile(source, mode)
        return None
    except ScriptError as exc:
        return str(exc)
    except SyntaxError as exc:
        return f"syntax error: {exc.msg} (line {exc.lineno})"


def _bounded(run, budget: Budget | None):
    """``run()`` under ``budget``; a ``BaseException`` from the script or a broken budget as ``ScriptError``.

    Code without loops, functions or comprehensions runs without a budget (``None``): it cannot run long.
    """
    try:
        result = run()
    except BudgetExceeded as exc:
        raise ScriptError(f"the script was stopped: it {exc}") from None
    except Exception:
        if budget is not None and budget.exceeded:
            raise ScriptError(f"the script was stopped: it {budget.exceeded}") from None
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, GeneratorExit from a script
        raise ScriptError(f"the script raised {type(exc).__name__}, which scripts may not raise") from None
    if budget is not None and budget.exceeded:  # the script caught the stop with a bare ``except:`` and went on
        raise ScriptError(f"the script was stopped: it {budget.exceeded}")
    return result


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data script environment that compiles and runs everything under RestrictedPython, bounded by ``limits``."""

    def __init__(self, helpers: dict[str, Callable] | None = None, limits: Limits | None = None):
        super().__init__(dict(helpers or {}))
        self.limits = limits or Limits()

    def evaluate(self, expression, context, external_context=None):
        code, ticks = _compile(expression, "eval")
        budget = Budget(self.limits) if ticks else None
        namespace = dict(GUARDS)
        namespace.update(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        if budget is not None:
            namespace["_tick_"] = budget.tick
        return _bounded(lambda: eval(code, namespace), budget)  # noqa: S307 - restricted code object

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code, ticks = _compile(script, "exec")
        budget = Budget(self.limits) if ticks else None
        injected = dict(GUARDS)
        injected.update(self.globals)
        injected.update(external_context or {})
        if budget is not None:
            injected["_tick_"] = budget.tick
        context.update(injected)
        try:
            _bounded(lambda: exec(code, context), budget)  # noqa: S102 - restricted code object
        finally:
            for key in list(context):
                if key in injected or key.startswith("_") or callable(context[key]):
                    context.pop(key)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptError("service tasks are not configured in this environment")


def make_script_engine(helpers: dict[str, Callable] | None = None, limits: Limits | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine running in the restricted environment with ``helpers`` as globals."""
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers, limits))
