"""What changed between two versions of a process, in terms a process owner reads.

Diagrams are compared element by element (by id): what each flow element *means*
— its type, name, lane, form, scripts, condition, timer, called process or
decision, where a flow goes — not its XML text, so moving shapes around is not a
change (it is reported once as "layout changed"). Forms are compared field by
field, decision tables rule by rule; other files by content.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import etree

from engine.library.extensions import FORM_PROPERTY
from engine.library.lint import BPMN_NS, NS
from engine.library.package import MANIFEST

_DI = "http://www.omg.org/spec/BPMN/20100524/DI"
_XML = etree.XMLParser(resolve_entities=False, no_network=True)
FLOW_ELEMENTS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "transaction", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "sequenceFlow",
}
_FACTS = {  # fact name -> XPath (relative to the element) whose text is the fact
    "script": "bpmn:script",
    "condition": "bpmn:conditionExpression",
    "pre-script": "bpmn:extensionElements/spiffworkflow:preScript",
    "post-script": "bpmn:extensionElements/spiffworkflow:postScript",
    "decision": "bpmn:extensionElements/spiffworkflow:calledDecisionId",
    "instructions": "bpmn:extensionElements/spiffworkflow:instructionsForEndUser",
    "timer": "bpmn:timerEventDefinition/*",
    "documentation": "bpmn:documentation",
}
_ATTRIBUTES = {"name": "name", "calledElement": "calls", "attachedToRef": "attached to",
               "cancelActivity": "interrupting", "default": "default flow", "sourceRef": "from", "targetRef": "to"}


@dataclass(frozen=True)
class Change:
    """One element, field or rule added, removed or changed; ``details`` say what changed (old → new)."""

    kind: str  # added | removed | changed
    file: str
    element_id: str | None
    label: str
    details: tuple[str, ...] = ()


@dataclass
class VersionDiff:
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def empty(self) -> bool:
        return not self.changes


def diff_files(old: dict[str, str | bytes], new: dict[str, str | bytes]) -> VersionDiff:
    """The changes from the files of one version to another's (file path -> content)."""
    result = VersionDiff()
    for path in sorted(set(old) | set(new)):
        before, after = _text(old.get(path)), _text(new.get(path))
        if before == after:
            continue
        if before is None or after is None:
            kind = "added" if before is None else "removed"
            result.changes.append(Change(kind, path, None, path))
        elif path.endswith(".bpmn"):
            result.changes += _diff_bpmn(path, before, after)
        elif path.endswith(".dmn"):
            result.changes += _diff_dmn(path, before, after)
        elif path.endswith(".json") and not path.endswith(MANIFEST):
            result.changes += _diff_form(path, before, after)
        else:
            result.changes.append(Change("changed", path, None, path, ("content changed",)))
    return result


def _text(content) -> str | None:
    if content is None:
        return None
    return content.decode("utf-8") if isinstance(content, bytes) else content


def _facts(element, lanes: dict[str, str]) -> dict[str, str]:
    facts = {"type": etree.QName(element).localname}
    for attribute, label in _ATTRIBUTES.items():
        if element.get(attribute) is not None:
            facts[label] = element.get(attribute)
    for label, xpath in _FACTS.items():
        found = element.find(xpath, NS)
        if found is not None:
            facts[label] = " ".join((found.text or "").split())
    for prop in element.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        facts["form" if prop.get("name") == FORM_PROPERTY else f"property {prop.get('name')}"] = prop.get("value", "")
    if element.get("id") in lanes:
        facts["lane"] = lanes[element.get("id")]
    return facts


def _elements(root) -> tuple[dict[str, tuple[str, dict]], bytes]:
    lanes = {ref.text: ref.getparent().get("name") or ref.getparent().get("id")
             for ref in root.iterfind(".//bpmn:flowNodeRef", NS)}
    elements = {}
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        if etree.QName(element).localname in FLOW_ELEMENTS and element.get("id"):
            facts = _facts(element, lanes)
            elements[element.get("id")] = (facts.get("name") or element.get("id"), facts)
    layout = b"".join(etree.tostring(d, method="c14n") for d in root.iter(f"{{{_DI}}}BPMNDiagram"))
    return elements, layout


def _diff_bpmn(path: str, before: str, after: str) -> list[Change]:
    try:
        (old, old_layout), (new, new_layout) = (_elements(etree.fromstring(t.encode(), _XML)) for t in (before, after))
    except etree.XMLSyntaxError:
        return [Change("changed", path, None, path, ("content changed (not well-formed XML)",))]
    changes = []
    for element_id in sorted(set(old) | set(new)):
        if element_id not in old:
            changes.append(Change("added", path, element_id, new[element_id][0], _summary(new[element_id][1])))
        elif element_id not in new:
            changes.append(Change("removed", path, element_id, old[element_id][0], _summary(old[element_id][1])))
        elif old[element_id][1] != new[element_id][1]:
            a, b = old[element_id][1], new[element_id][1]
            details = tuple(f"{k}: {_short(a.get(k))} → {_short(b.get(k))}" for k in sorted(set(a) | set(b))
                            if a.get(k) != b.get(k))
            changes.append(Change("changed", path, element_id, new[element_id][0], details))
    if old_layout != new_layout:
        changes.append(Change("changed", path, None, "layout", ("shapes moved or resized",)))
    return changes


def _summary(facts: dict) -> tuple[str, ...]:
    return tuple(f"{k}: {_short(v)}" for k, v in facts.items() if k not in ("name",))


def _short(value) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _diff_form(path: str, before: str, after: str) -> list[Change]:
    try:
        old, new = json.loads(before), json.loads(after)
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    except (ValueError, AttributeError):
        return [Change("changed", path, None, path, ("content changed",))]
    changes = []
    old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
    for name in sorted(set(old_props) | set(new_props)):
        label = f"{path}: {(new_props.get(name) or old_props.get(name) or {}).get('title', name)}"
        if name not in old_props:
            changes.append(Change("added", path, name, label, ("required",) if name in new_required else ()))
        elif name not in new_props:
            changes.append(Change("removed", path, name, label))
        else:
            a = dict(old_props[name], required=name in old_required)
            b = dict(new_props[name], required=name in new_required)
            details = tuple(f"{k}: {_short(a.get(k))} → {_short(b.get(k))}" for k in sorted(set(a) | set(b))
                            if a.get(k) != b.get(k))
            if details:
                changes.append(Change("changed", path, name, label, details))
    rest_old = {k: v for k, v in old.items() if k not in ("properties", "required")}
    rest_new = {k: v for k, v in new.items() if k not in ("properties", "required")}
    if rest_old != rest_new:
        changes.append(Change("changed", path, None, path, ("form settings changed",)))
    return changes


def _diff_dmn(path: str, before: str, after: str) -> list[Change]:
    try:
        old, new = (_rules(etree.fromstring(t.encode(), _XML)) for t in (before, after))
    except etree.XMLSyntaxError:
        return [Change("changed", path, None, path, ("content changed (not well-formed XML)",))]
    changes = []
    for rule_id in sorted(set(old) | set(new)):
        if rule_id not in old:
            changes.append(Change("added", path, rule_id, f"rule {rule_id}", (new[rule_id],)))
        elif rule_id not in new:
            changes.append(Change("removed", path, rule_id, f"rule {rule_id}", (old[rule_id],)))
        elif old[rule_id] != new[rule_id]:
            changes.append(Change("changed", path, rule_id, f"rule {rule_id}", (f"{old[rule_id]} → {new[rule_id]}",)))
    return changes


def _rules(root) -> dict[str, str]:
    """Rule id -> 'input entries => output entries', plus the table's hit policy and columns."""
    ns = {"dmn": etree.QName(root).namespace}
    rules = {}
    for table in root.iterfind(".//dmn:decisionTable", ns):
        columns = [c.findtext("dmn:inputExpression/dmn:text", "", ns) for c in table.iterfind("dmn:input", ns)]
        outputs = [c.get("name") or c.get("label") or "" for c in table.iterfind("dmn:output", ns)]
        rules["(table)"] = f"{table.get('hitPolicy', 'UNIQUE')} | {', '.join(columns)} => {', '.join(outputs)}"
        for rule in table.iterfind("dmn:rule", ns):
            ins = [(e.findtext("dmn:text", "", ns) or "-").strip() for e in rule.iterfind("dmn:inputEntry", ns)]
            outs = [(e.findtext("dmn:text", "", ns) or "").strip() for e in rule.iterfind("dmn:outputEntry", ns)]
            rules[rule.get("id")] = f"{', '.join(ins)} => {', '.join(outs)}"
    return rules
