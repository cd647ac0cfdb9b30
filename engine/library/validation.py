"""Validation of a process package: everything is checked before a version is stored.

``validate_package(package)`` is pure (nothing is saved). It returns a
:class:`ParsedPackage` (the Spiff specs, for the loader to reuse) or raises
``PackageInvalid`` listing *every* problem found, each with file, element id and
what is wrong: XML and XSD errors, references to missing elements, processes or
decisions, Python syntax (and RestrictedPython refusals) in conditions, scripts,
timers and DMN entries, unquoted ISO timer values, user tasks without a lane,
unusable form files, and the structural errors Spiff reports when building specs.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.exceptions import PackageInvalid, Problem
from engine.library import lint
from engine.library.package import MANIFEST, ProcessPackage

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_XSD_LOCK = threading.Lock()  # an lxml schema keeps the error log of its last run on itself
_SHORT = {f"{{{lint.BPMN_NS}}}": "bpmn:", f"{{{lint.SPIFF_NS}}}": "spiffworkflow:"}
_SHORT.update({f"{{{ns}}}": "dmn:" for ns in DMN_SCHEMAS})


@dataclass(frozen=True)
class ParsedPackage:
    """The specs built while validating: the main process spec and its call activities' specs."""

    process_id: str
    spec: object  # SpiffWorkflow BpmnProcessSpec
    subprocess_specs: dict  # process id -> BpmnProcessSpec, from parser.get_subprocess_specs


def validate_package(package: ProcessPackage) -> ParsedPackage:
    """Check every file of ``package``; return its specs or raise ``PackageInvalid`` with all problems.

    Checks: every .bpmn/.dmn file parses (XML, XSD, Spiff); flows and refs name existing
    elements; call activities, business rule tasks and the manifest's process_id resolve
    within the package; Python text compiles (restricted); timers quote ISO values; user
    tasks have a lane and a form; forms exist and are JSON Schemas; decision tables (but COLLECT)
    have a catch-all rule; Spiff builds the specs.
    """
    problems: list[Problem] = []
    files = package.files
    bpmn = {p: r for p in package.diagram_files() if (r := _parse_xml(p, files[p], problems)) is not None}
    dmn = {p: r for p in package.decision_files() if (r := _parse_xml(p, files[p], problems)) is not None}
    loadable = not problems
    process_file = {proc.get("id"): path for path, root in bpmn.items()
                    for proc in root.iterfind("bpmn:process", lint.NS)}
    decision_file: dict[str, str] = {}
    dmn_ns: dict[str, str] = {}
    for path, root in dmn.items():
        ns = etree.QName(root).namespace
        if ns not in DMN_SCHEMAS:
            problems.append(Problem(path, None, f"unsupported DMN namespace {ns}; use one of: "
                                                + ", ".join(sorted(DMN_SCHEMAS))))
            loadable = False
            continue
        dmn_ns[path] = ns
        first = root.find(f"{{{ns}}}decision")
        if first is not None and first.get("id") in decision_file:
            problems.append(Problem(path, first.get("id"), f"decision {first.get('id')} is also defined in "
                                                           f"{decision_file[first.get('id')]}"))
        elif first is not None:
            decision_file[first.get("id")] = path
    if package.process_id not in process_file and len(bpmn) == len(package.diagram_files()):
        problems.append(Problem(MANIFEST, None, f"process_id {package.process_id} names no process in the "
                                                f"package's BPMN files (found: "
                                                f"{', '.join(sorted(process_file)) or 'none'})"))
    bad_dmn = set()  # DMN files with problems: Spiff's errors on them would only repeat (or garble) ours
    for path in dmn_ns:
        if found := lint.lint_dmn(path, dmn[path], dmn_ns[path]):
            problems += found
            bad_dmn.add(path)
    bad_decisions = {d for d, path in decision_file.items() if path in bad_dmn}
    blocked: set[str] = set()  # likewise for processes
    for path, root in bpmn.items():
        references = lint.lint_references(path, root) + _resolve(path, root, process_file, decision_file)
        blocked.update(_processes_of(root, references, bad_decisions))
        problems += references + lint.lint_python(path, root) + lint.lint_lanes(path, root)
        problems += lint.lint_flags(path, root) + lint.lint_forms(path, root)
        problems += [Problem(path, element, error) for element, name in lint.referenced_forms(root)
                     if (error := lint.form_problem(name, files))]
    problems += _other_json(package, bpmn.values())
    parsed = _build(package, bpmn, dmn_ns, process_file, blocked | bad_dmn, problems) if loadable else None
    if problems or parsed is None:
        raise PackageInvalid(_unique(problems))
    return parsed


def _parse_xml(path: str, content: bytes, problems: list[Problem]):
    try:
        root = etree.fromstring(content, _XML)
    except etree.XMLSyntaxError as exc:
        where = re.search(r", (line \d+, column \d+)$", exc.msg)
        message = exc.msg[:where.start()] if where else exc.msg
        problems.append(Problem(path, None, f"not well-formed XML ({where[1] if where else f'line {exc.lineno}'})"
                                            f": {message}"))
        return None
    if root.getroottree().docinfo.doctype:
        problems.append(Problem(path, None, "a DOCTYPE is not allowed in a diagram"))
        return None
    return root


def _resolve(path: str, root, process_file: dict, decision_file: dict) -> list[Problem]:
    """Call activities and business rule tasks must name a process / decision of the package."""
    problems = []
    for call in root.iterfind(".//bpmn:callActivity", lint.NS):
        target = call.get("calledElement")
        if not target or target not in process_file:
            problems.append(Problem(path, call.get("id"), f"call activity calls process {target or '(none)'}, "
                                    f"which no BPMN file of the package defines (add its package to 'calls')"))
    for task in root.iterfind(".//bpmn:businessRuleTask", lint.NS):
        decision = (task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", "", lint.NS)).strip()
        if decision not in decision_file:
            problems.append(Problem(path, task.get("id"), f"business rule task calls decision "
                                    f"{decision or '(none: add spiffworkflow:calledDecisionId)'}, "
                                    f"which no DMN file of the package defines"))
    return problems


def _processes_of(root, problems: list[Problem], bad_decisions: set[str]) -> set[str]:
    """Processes holding an element with one of ``problems`` or calling a decision with problems."""
    bad = {p.element_id for p in problems}
    calls = ".//bpmn:businessRuleTask/bpmn:extensionElements/spiffworkflow:calledDecisionId"
    return {proc.get("id") for proc in root.iterfind("bpmn:process", lint.NS)
            if any(e.get("id") in bad for e in proc.iter())
            or any((c.text or "").strip() in bad_decisions for c in proc.iterfind(calls, lint.NS))}


def _other_json(package: ProcessPackage, roots) -> list[Problem]:
    """Forms no task names (and the manifest's start_form) must still be usable; manifests are not forms."""
    named = {name for root in roots for _, name in lint.referenced_forms(root)}
    try:
        start = package.manifest.get("start_form")
    except (KeyError, ValueError, AttributeError):  # no or odd manifest: assemble() checks it
        start = None
    problems = []
    if isinstance(start, str) and (error := lint.form_problem(start, package.files)):
        problems.append(Problem(MANIFEST, None, f"start_form: {error}"))
    for path in sorted(package.files):
        if (path.endswith(".json") and path not in named and path != start and path != MANIFEST
                and not (path.startswith("calls/") and path.endswith("/" + MANIFEST))):
            if error := lint.form_problem(path, package.files):
                problems.append(Problem(path, None, error))
    return problems


def _build(package, bpmn: dict, dmn_ns: dict, process_file: dict, blocked: set,
           problems: list[Problem]) -> ParsedPackage | None:
    """Feed every file to one SpiffBpmnParser (XSD on) and build the specs; map its errors to problems.

    ``blocked`` names processes and DMN files whose problems are known: they are not built.
    """
    parser = SpiffBpmnParser(validator=VALIDATOR)
    failed = False
    for path in list(bpmn) + list(dmn_ns):
        add = parser.add_bpmn_str if path in bpmn else parser.add_dmn_str
        with _XSD_LOCK:
            try:
                add(package.files[path], filename=path)
                continue
            except Exception as exc:  # noqa: BLE001 - whatever Spiff raises is a problem of this file
                failed = True
                problems.extend(_xsd_errors(path, package.files[path], dmn_ns.get(path)) or [_from_spiff(exc, path)])
    if failed:
        return None
    for dmn_parser in [d for d in parser.dmn_parsers.values() if d.filename not in blocked]:
        try:
            dmn_parser.parse()
        except Exception as exc:  # noqa: BLE001
            problems.append(_from_spiff(exc, dmn_parser.filename))
    for process_id, path in process_file.items():
        proc = bpmn[path].find(f"bpmn:process[@id='{process_id}']", lint.NS)
        if process_id in blocked or (proc.get("isExecutable") == "false" and process_id != package.process_id):
            continue
        try:
            parser.get_spec(process_id)
        except Exception as exc:  # noqa: BLE001
            problems.append(_from_spiff(exc, path))
    if problems or package.process_id not in process_file:
        return None
    try:
        spec = parser.get_spec(package.process_id)
        return ParsedPackage(package.process_id, spec, parser.get_subprocess_specs(package.process_id))
    except Exception as exc:  # noqa: BLE001
        problems.append(_from_spiff(exc, process_file[package.process_id]))
        return None


def _xsd_errors(path: str, content: bytes, dmn_namespace: str | None) -> list[Problem]:
    """Every XSD error of one file (Spiff's validator reports only the last one)."""
    schema = VALIDATOR if dmn_namespace is None else BpmnValidator(DMN_SCHEMAS[dmn_namespace])
    root = etree.fromstring(content, _XML)  # a fresh tree: preprocess() renames tags
    schema.preprocess(root)
    if schema.validator.validate(root):
        return []
    return [Problem(path, _id_at_line(root, err.line, dmn_namespace is not None),
                    f"XSD (line {err.line}): {_shorten(err.message)}") for err in schema.validator.error_log]


def _id_at_line(root, line: int, nearest: bool) -> str | None:
    for node in root.iter():
        if node.sourceline == line and isinstance(node.tag, str):
            return lint.owner_id(node, nearest)
    return None


def _from_spiff(exc: Any, path: str) -> Problem:
    """A Spiff ValidationException (or any parser error) as a Problem of the file it concerns."""
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    notes = [n for n in getattr(exc, "notes", []) if n]
    if not hasattr(exc, "tag"):  # not a ValidationException: say what broke
        return Problem(path, None, f"cannot be parsed: {type(exc).__name__}: {message}")
    where = [f"<{exc.tag}>" if exc.tag else "", f"line {exc.line_number}" if exc.line_number else ""]
    detail = ", ".join(w for w in where if w)
    text = _shorten(message) + (f" ({detail})" if detail else "") + "".join(f"; {n}" for n in notes)
    return Problem(exc.file_name or path, exc.id or None, text)


def _shorten(message: str) -> str:
    """Namespaces as prefixes; a long 'Expected is one of (...)' list cut to its first names."""
    for long, short in _SHORT.items():
        message = message.replace(long, short)
    return re.sub(r"(Expected is one of \( (?:[^,)]+, ){5})[^)]*\)", r"\1... )", message)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
