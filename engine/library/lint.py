"""Deploy-time checks SpiffWorkflow leaves to runtime, run on lxml trees of a package's files.

Each ``lint_*`` function takes one parsed file and returns a list of :class:`Problem`
(file, element id, message); none raises. ``validation`` runs them and the Spiff parser.
"""
from __future__ import annotations

import ast
import json
import re

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from engine.exceptions import Problem
from engine.library.extensions import ESCALATES, FORM_PROPERTY, SPIFF_NS
from engine.scripting.sandbox import check_restricted

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess", "definitions"}
SUBPROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
# Python text in a diagram: XPath -> (mode, what it is called in a message).
PYTHON_TEXT = {
    ".//bpmn:conditionExpression": ("eval", "condition"),
    ".//bpmn:script": ("exec", "script"),
    ".//spiffworkflow:preScript": ("exec", "pre-script"),
    ".//spiffworkflow:postScript": ("exec", "post-script"),
    ".//bpmn:loopCardinality": ("eval", "loop cardinality"),
    ".//bpmn:completionCondition": ("eval", "completion condition"),
    ".//bpmn:conditionalEventDefinition/bpmn:condition": ("eval", "event condition"),
    ".//bpmn:correlationPropertyRetrievalExpression/*": ("eval", "correlation expression"),
}
TIMERS = ".//bpmn:timerEventDefinition/*[self::bpmn:timeDuration or self::bpmn:timeDate or self::bpmn:timeCycle]"
# An ISO 8601 duration, date-time or cycle written bare: valid Python names (P3D) or not Python at all.
ISO_BARE = re.compile(r"(R\d*/)?(P(?=[\dT])[\dYMWDTHS.,]*|\d{4}-\d\d-\d\d[\dT:.+\-Z]*)(/\S+)?")
DMN_HIT_POLICIES = {"UNIQUE", "FIRST", "COLLECT"}  # others silently behave like FIRST in Spiff 3.2
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # Spiff's own `?` substitution


def check_python(source: str, mode: str) -> str | None:
    """Why ``source`` is refused as Python in ``mode`` ('exec' or 'eval'), or None when it is fine.

    Compiled as the sandbox will run it (``engine.scripting.sandbox``: RestrictedPython).
    """
    if mode == "eval" and not source.strip():
        return "is empty"
    try:
        error = check_restricted(source, mode)
        if error is None and mode == "exec" and any(  # compiles, but can only fail when run
                isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(ast.parse(source))):
            error = "import statements are not allowed in restricted scripts"
        return error
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"


def local(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def owner_id(element, nearest: bool = False) -> str | None:
    """Id of the flow element (or top-level element) ``element`` belongs to; ``nearest``: first id up."""
    node, fallback = element, None
    while node is not None:
        if node.get("id"):
            fallback = fallback or node.get("id")
            parent = node.getparent()
            if nearest or parent is None or local(parent) in CONTAINERS:
                return node.get("id")
        node = node.getparent()
    return fallback


def _owner(element) -> str | None:
    """The local tag name of the flow element ``element`` belongs to."""
    element_id = owner_id(element)
    node = element
    while node is not None and node.get("id") != element_id:
        node = node.getparent()
    return local(node) if node is not None else None


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def lint_references(file: str, root) -> list[Problem]:
    """Flows, boundary events, defaults and lane refs naming elements missing from their process."""
    problems = []
    for process in root.iterfind("bpmn:process", NS):
        ids = {e.get("id") for e in process.iter() if e.get("id")}
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
            for attr in ("sourceRef", "targetRef"):
                ref = flow.get(attr)
                if ref and ref not in ids:
                    problems.append(Problem(file, flow.get("id"),
                                            f"sequence flow {flow.get('id')} points to missing element {ref} ({attr})"))
        for node in process.iter():
            for attr in ("attachedToRef", "default"):
                ref = node.get(attr)
                if ref and ref not in ids:
                    problems.append(Problem(file, node.get("id"), f"{attr} names missing element {ref}"))
        for ref in process.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS):
            if ref.text not in ids:  # not stripped: neither does Spiff when it assigns lanes
                lane = ref.getparent()
                problems.append(Problem(file, lane.get("id"), f"lane {lane.get('name') or lane.get('id')} "
                                                              f"lists missing element {ref.text!r}"))
    return problems


def lint_python(file: str, root) -> list[Problem]:
    """Conditions, scripts, pre/post scripts, loop and correlation expressions, timer expressions."""
    problems = []
    for xpath, (mode, what) in PYTHON_TEXT.items():
        for node in root.iterfind(xpath, NS):
            error = check_python(node.text or "", mode)
            if error:
                problems.append(Problem(file, owner_id(node), f"{what} does not compile as (restricted) "
                                                              f"Python: {error} (file line {node.sourceline})"))
    for node in root.xpath(TIMERS, namespaces=NS):
        text = (node.text or "").strip()
        if ISO_BARE.fullmatch(text):
            problems.append(Problem(file, owner_id(node), f"timer {local(node)} {text} must be a quoted "
                                    f'Python string: write "{text}" (timer expressions are Python)'))
            continue
        error = check_python(node.text or "", "eval")
        if error:
            problems.append(Problem(file, owner_id(node), f"timer {local(node)} `{_snippet(text)}` does not "
                                                          f"compile as (restricted) Python: {error}"))
    return problems


def _lane_of(node, lanes: dict[str, str | None]) -> str | None:
    """The lane name Spiff gives ``node``: its enclosing subprocess's lane if any, else its own."""
    parent = node.getparent()
    while parent is not None and local(parent) not in SUBPROCESSES:
        parent = parent.getparent()
    outer = _lane_of(parent, lanes) if parent is not None else None
    return outer if outer is not None else lanes.get(node.get("id"))


def lint_flags(file: str, root) -> list[Problem]:
    """Extension properties that are flags must say true or false (anything else would be read silently)."""
    problems = []
    for prop in root.iterfind(".//spiffworkflow:property", NS):
        if prop.get("name") == ESCALATES and (prop.get("value") or "").strip().lower() not in ("true", "false"):
            problems.append(Problem(file, owner_id(prop), f"property {ESCALATES} must be true or false "
                                                          f"(found {prop.get('value')!r})"))
        elif prop.get("name") == ESCALATES and _owner(prop) != "boundaryEvent":
            problems.append(Problem(file, owner_id(prop), f"property {ESCALATES} belongs on a boundary timer event"))
    return problems


def lint_lanes(file: str, root) -> list[Problem]:
    """Every user task must be in a named lane: lanes define who does the task."""
    problems = []
    for process in root.iterfind("bpmn:process", NS):
        lanes = {ref.text: ref.getparent().get("name")
                 for ref in process.iterfind(".//bpmn:flowNodeRef", NS)}
        for task in process.iterfind(".//bpmn:userTask", NS):
            if _lane_of(task, lanes):
                continue
            if process.find(".//bpmn:laneSet", NS) is None:
                why = f"process {process.get('id')} has no laneSet"
            else:
                why = "it is in no named lane (add it to a lane's flowNodeRef)"
            problems.append(Problem(file, task.get("id"),
                                    f"user task has no lane: {why}; lanes define who does the task"))
    return problems


def lint_forms(file: str, root) -> list[Problem]:
    """Every user task names a form: without one the task page has nothing to show or to validate."""
    named = {element for element, _name in referenced_forms(root)}
    return [Problem(file, task.get("id"), f"user task {task.get('name') or task.get('id')} names no form (add the "
                                          f"extension property {FORM_PROPERTY})")
            for task in root.iterfind(".//bpmn:userTask", NS) if task.get("id") not in named]


def form_problem(name: str, files: dict[str, bytes]) -> str | None:
    """Why the form file ``name`` is unusable (missing, not JSON, not a JSON Schema), or None."""
    if name not in files:
        return f"form file {name} is not in the package"
    try:
        schema = json.loads(files[name])
    except ValueError as exc:
        return f"form file {name} is not valid JSON: {exc}"
    if not isinstance(schema, dict):
        return f"form file {name} must hold a JSON object (a JSON Schema)"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"form file {name} is not a valid JSON Schema: {exc.message} (at {exc.json_path})"
    return None


def referenced_forms(root) -> list[tuple[str | None, str]]:
    """(element id, form file name) for every element naming a form."""
    return [(owner_id(prop), prop.get("value") or "")
            for prop in root.iterfind(".//spiffworkflow:property", NS) if prop.get("name") == FORM_PROPERTY]


def lint_dmn(file: str, root, dmn_ns: str) -> list[Problem]:
    """One decision per file, a supported hit policy, and Python in input expressions and entries."""
    ns = {"dmn": dmn_ns}
    decisions = root.findall("dmn:decision", ns)
    if len(decisions) != 1:
        return [Problem(file, None, f"a DMN file must hold exactly one decision (found {len(decisions)})")]
    problems = []
    for table in root.iterfind(".//dmn:decisionTable", ns):
        for node in table.iter(etree.Comment, etree.ProcessingInstruction):  # Spiff reads .tag as a string
            problems.append(Problem(file, owner_id(node.getparent(), True), f"a comment inside a decision table "
                                    f"(line {node.sourceline}) breaks SpiffWorkflow's DMN parser: remove it"))
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in DMN_HIT_POLICIES or table.get("aggregation"):
            used = " ".join(filter(None, [policy, table.get("aggregation")]))
            problems.append(Problem(file, table.get("id"), f"hit policy {used} is not supported by SpiffWorkflow "
                                                           f"3.2: use UNIQUE, FIRST or COLLECT without aggregation"))
        for column in table.findall("dmn:input", ns):
            text = column.findtext("dmn:inputExpression/dmn:text", None, ns)
            error = check_python(text or "", "eval")
            if error:
                problems.append(Problem(file, column.get("id"), f"input expression `{_snippet(text or '')}` does "
                                                                f"not compile as (restricted) Python: {error}"))
        rules = table.findall("dmn:rule", ns)
        if policy != "COLLECT" and rules and not any(_catch_all(rule, ns) for rule in rules):
            problems.append(Problem(file, table.get("id"), f"decision table with hit policy {policy} has no "
                                    f"catch-all rule (every input entry `-`): an unmatched case would write "
                                    f"nothing and fail later at an unrelated step; add one as the last rule"))
        for rule in rules:
            for kind in ("inputEntry", "outputEntry"):
                for entry in rule.iterfind(f"dmn:{kind}", ns):
                    text = (entry.findtext("dmn:text", "", ns) or "").strip()
                    error = _entry_error(text) if kind == "inputEntry" else (
                        check_python(text, "eval") if text else None)
                    if error:
                        problems.append(Problem(file, rule.get("id"), f"{kind} {entry.get('id')} `{_snippet(text)}`"
                                                f" does not compile as (restricted) Python: {error}"))
    return problems


def _catch_all(rule, ns: dict[str, str]) -> bool:
    return all((entry.findtext("dmn:text", "", ns) or "").strip() in ("", "-")
               for entry in rule.iterfind("dmn:inputEntry", ns))


def _entry_error(text: str) -> str | None:
    """Spiff's reading of an input entry: `-` any, `? op x`, a value (==) or a bare comparison `> 3`."""
    if text in ("", "-"):
        return None
    if _QUESTION.search(text):
        return check_python(_QUESTION.sub("dmninputexpr", text), "eval")
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return check_python(f"dmninputexpr {text}", "eval")
    return check_python(text, "eval")
