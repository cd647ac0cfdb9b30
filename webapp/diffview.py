"""The version diff as a process owner reads it: element names instead of ids, Chinese fact and type names."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from lxml import etree

from .display import role_label

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}

_XML = etree.XMLParser(resolve_entities=False, no_network=True)
FACTS = {  # engine.versiondiff's fact names
    "type": _l("type"), "name": _l("name"), "lane": _l("lane"), "form": _l("form"), "timer": _l("timer"),
    "script": _l("script"), "condition": _l("condition"), "pre-script": _l("pre-script"),
    "post-script": _l("post-script"), "decision": _l("decision"), "calls": _l("calls"),
    "instructions": _l("instructions"), "documentation": _l("documentation"), "from": _l("from"), "to": _l("to"),
    "attached to": _l("attached to"), "interrupting": _l("interrupting"), "default flow": _l("default flow"),
    "required": _l("required"), "title": _l("title"), "content changed": _l("content changed"),
    "shapes moved or resized": _l("shapes moved or resized"),
}
TYPES = {
    "userTask": _l("user task"), "scriptTask": _l("script task"), "businessRuleTask": _l("business rule task"),
    "callActivity": _l("call activity"), "serviceTask": _l("service task"), "manualTask": _l("manual task"),
    "task": _l("task"), "sequenceFlow": _l("sequence flow"), "exclusiveGateway": _l("exclusive gateway"),
    "parallelGateway": _l("parallel gateway"), "inclusiveGateway": _l("inclusive gateway"),
    "startEvent": _l("start event"), "endEvent": _l("end event"), "boundaryEvent": _l("boundary event"),
    "intermediateCatchEvent": _l("intermediate event"), "subProcess": _l("sub-process"),
}
REFERENCES = ("from", "to", "attached to", "default flow")


class Names:
    """Element id -> what to call it, from the BPMN files of both versions (the newer name wins)."""

    def __init__(self, *file_sets: dict[str, str]):
        self.names: dict[str, str] = {}
        self.flows: dict[str, tuple[str, str]] = {}
        for files in file_sets:
            for path, text in files.items():
                if path.endswith(".bpmn"):
                    self._read(text)

    def _read(self, text: str) -> None:
        try:
            root = etree.fromstring(text.encode(), _XML)
        except etree.XMLSyntaxError:
            return
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("id") and element.get("name"):
                self.names[element.get("id")] = element.get("name")
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
            self.flows[flow.get("id")] = (flow.get("sourceRef"), flow.get("targetRef"))

    def of(self, element_id: str | None) -> str:
        return self.names.get(element_id or "", element_id or "")

    def label(self, change) -> str:
        """A flow without a name is called 'source → target'."""
        if change.element_id and change.label == change.element_id and change.element_id in self.flows:
            source, target = self.flows[change.element_id]
            return f"{self.of(source)} → {self.of(target)}"
        return change.label

    def fact(self, detail: str) -> str:
        name, sep, rest = detail.partition(": ")
        if name not in FACTS:
            return str(FACTS.get(detail, detail))
        if name in REFERENCES:
            rest = " → ".join(self.of(part) for part in rest.split(" → "))
        elif name == "lane":
            rest = " → ".join(f"{role_label(part)} ({part})" if role_label(part) != part else part
                              for part in rest.split(" → "))
        elif name == "type":
            rest = " → ".join(str(TYPES.get(part, part)) for part in rest.split(" → "))
        return f"{FACTS[name]}{sep}{rest}"
