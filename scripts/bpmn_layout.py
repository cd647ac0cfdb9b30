"""(Re)generate the diagram interchange (shapes, edges, labels) of BPMN files from their semantic model.

    python scripts/bpmn_layout.py processes/*/*.bpmn          # rewrite the DI in place
    python scripts/bpmn_layout.py --check processes/*/*.bpmn  # exit 1 if a file's DI is stale or bad

The process owner edits the flow (in a modeler or by hand); this tool draws it so
it reads left to right in a bpmn.io modeler: a pool with one horizontal band per
lane (role), nodes ranked along the longest path from the start, rows within a
lane keeping chains straight, boundary events on the bottom border of their task,
orthogonal edges routed around shapes, loops drawn underneath. Only the
``bpmndi`` part changes (and a collaboration with one participant is added when a
process has lanes, which is how modelers show lanes).
"""
from __future__ import annotations

import sys
from pathlib import Path

from bpmn_geometry import BPMN, DC, DDI, DI, MARGIN, NS, POOL_LABEL, Layout
from bpmn_routing import place_labels, route
from lxml import etree


def _bounds(parent, x, y, w, h):
    etree.SubElement(parent, f"{{{DC}}}Bounds", x=str(round(x)), y=str(round(y)), width=str(round(w)),
                     height=str(round(h)))


def ensure_collaboration(root, process) -> str | None:
    """The id of the collaboration showing ``process`` as a pool (added if the process has lanes)."""
    for collab in root.iterfind("bpmn:collaboration", NS):
        if any(p.get("processRef") == process.get("id") for p in collab.iterfind("bpmn:participant", NS)):
            return collab.get("id")
    if process.find(".//bpmn:laneSet", NS) is None:
        return None
    pid = process.get("id")
    collab = etree.Element(f"{{{BPMN}}}collaboration", id=f"{pid}_collaboration")
    collab.text, collab.tail = "\n    ", "\n  "
    part = etree.SubElement(collab, f"{{{BPMN}}}participant", id=f"{pid}_participant",
                            name=process.get("name") or pid, processRef=pid)
    part.tail = "\n  "
    process.addprevious(collab)
    return collab.get("id")


def write_di(root) -> None:
    """Replace the BPMNDiagram of every process in ``root`` with a freshly computed one."""
    for old in root.findall("bpmndi:BPMNDiagram", NS):
        root.remove(old)
    for process in root.iterfind("bpmn:process", NS):
        layout = Layout(process)
        route(layout)
        place_labels(layout)
        collab = ensure_collaboration(root, process)
        pid = process.get("id")
        diagram = etree.SubElement(root, f"{{{DI}}}BPMNDiagram", id=f"{pid}_diagram")
        plane = etree.SubElement(diagram, f"{{{DI}}}BPMNPlane", id=f"{pid}_plane", bpmnElement=collab or pid)
        if collab:
            total = sum(h for _, h in layout.lanes.values())
            shape = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{pid}_participant_di",
                                     bpmnElement=f"{pid}_participant", isHorizontal="true")
            _bounds(shape, MARGIN, MARGIN, layout.width + POOL_LABEL, total)
            for lane_id in layout.lane_order:
                top, height = layout.lanes[lane_id]
                shape = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{lane_id}_di", bpmnElement=lane_id,
                                         isHorizontal="true")
                _bounds(shape, MARGIN + POOL_LABEL, top, layout.width, height)
        for node in sorted(layout.nodes.values(), key=lambda n: n.attached_to is not None):
            shape = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{node.id}_di", bpmnElement=node.id)
            if node.tag == "exclusiveGateway":
                shape.set("isMarkerVisible", "true")
            w, h = node.size
            _bounds(shape, node.x, node.y, w, h)
            if node.id in layout.labels:
                _bounds(etree.SubElement(shape, f"{{{DI}}}BPMNLabel"), *layout.labels[node.id])
        for fid, _, _, _name in layout.flows:
            edge = etree.SubElement(plane, f"{{{DI}}}BPMNEdge", id=f"{fid}_di", bpmnElement=fid)
            points = layout.edges[fid]
            for x, y in points:
                etree.SubElement(edge, f"{{{DDI}}}waypoint", x=str(x), y=str(y))
            if fid in layout.labels:
                _bounds(etree.SubElement(edge, f"{{{DI}}}BPMNLabel"), *layout.labels[fid])
        etree.indent(diagram, space="  ", level=1)
        diagram.tail = "\n"
    children = list(root)
    if children:
        children[-1].tail = "\n"


def render(text: bytes) -> bytes:
    """The file ``text`` with its DI regenerated."""
    root = etree.fromstring(text)
    missing = {p: uri for p, uri in (("bpmndi", DI), ("dc", DC), ("di", DDI)) if uri not in root.nsmap.values()}
    if missing:  # lxml cannot add namespaces to an element: move everything to a copy that has them
        new_root = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, **missing})
        new_root.text = root.text
        new_root.extend(list(root))
        root = new_root
    write_di(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    stale = 0
    for path in paths:
        old = path.read_bytes()
        new = render(old)
        if check:
            if new != old:
                stale += 1
                print(f"✗ {path}: diagram interchange is stale (run scripts/bpmn_layout.py {path})")
        elif new != old:
            path.write_bytes(new)
            print(f"laid out {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
