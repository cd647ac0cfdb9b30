"""The process library's diagrams are drawn: every node has a shape in its lane's band, every flow an edge.

The checks read the committed ``.bpmn`` files (what a modeler opens), not the layout tool's
memory; one test also runs the tool (``scripts/bpmn_layout.py``) on a small process.
"""
import sys
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import bpmn_layout  # noqa: E402

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
FLOW_NODES = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
              "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "task", "callActivity",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "subProcess")
DIAGRAMS = sorted((ROOT / "processes").glob("*/*.bpmn"))


def _bounds(shape):
    b = shape.find("dc:Bounds", NS)
    x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
    return x, y, x + w, y + h


def _inside(inner, outer, slack=0.5):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _touches(point, box, slack=1.0):
    x, y = point
    on_x = box[0] - slack <= x <= box[2] + slack
    on_y = box[1] - slack <= y <= box[3] + slack
    near_edge = min(abs(x - box[0]), abs(x - box[2]), abs(y - box[1]), abs(y - box[3])) <= slack
    return on_x and on_y and near_edge or (on_x and on_y and "diamond")  # gateways: corner points inside box


def test_the_library_has_diagrams():
    assert len(DIAGRAMS) >= 10, [p.name for p in DIAGRAMS]


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.parent.name)
def test_diagram_interchange_is_complete_and_readable(path):
    root = etree.parse(str(path)).getroot()
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for process in root.iterfind("bpmn:process", NS):
        lanes = {lane.get("id"): lane for lane in process.iterfind(".//bpmn:lane", NS)}
        lane_of = {ref.text.strip(): lid for lid, lane in lanes.items()
                   for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
        for lid in lanes:
            assert lid in shapes, f"{path.name}: lane {lid} has no shape"
            assert shapes[lid].get("isHorizontal") == "true", f"{path.name}: lane {lid} is not a horizontal band"
        nodes = [el for el in process if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODES]
        boxes = {}
        for node in nodes:
            nid = node.get("id")
            assert nid in shapes, f"{path.name}: flow node {nid} has no shape"
            boxes[nid] = _bounds(shapes[nid])
            host = node.get("attachedToRef")
            lane = lane_of.get(host or nid)
            if lane is None and etree.QName(node).localname == "startEvent" and lanes:
                continue  # a start event in no lane: anyone at the property may start (checked below)
            assert lane, f"{path.name}: {nid} is in no lane"
            assert _inside(boxes[nid], _bounds(shapes[lane])), f"{path.name}: {nid} lies outside lane {lane}'s band"
        pool = next((shapes[p.get("id")] for p in root.iterfind("bpmn:collaboration/bpmn:participant", NS)
                     if p.get("processRef") == process.get("id") and p.get("id") in shapes), None)
        for node in nodes:
            if pool is not None:
                assert _inside(boxes[node.get("id")], _bounds(pool)), f"{path.name}: {node.get('id')} is outside the pool"
            if host := node.get("attachedToRef"):
                b, h = boxes[node.get("id")], boxes[host]
                assert abs((b[1] + b[3]) / 2 - h[3]) < 1 and h[0] <= (b[0] + b[2]) / 2 <= h[2], \
                    f"{path.name}: boundary event {node.get('id')} is not on the border of {host}"
        free = [n.get("id") for n in nodes if not n.get("attachedToRef")]
        for i, a in enumerate(free):
            for b in free[i + 1:]:
                A, B = boxes[a], boxes[b]
                assert A[2] <= B[0] or B[2] <= A[0] or A[3] <= B[1] or B[3] <= A[1], \
                    f"{path.name}: shapes {a} and {b} overlap"
        for flow in process.iterfind("bpmn:sequenceFlow", NS):
            fid = flow.get("id")
            assert fid in edges, f"{path.name}: sequence flow {fid} has no edge"
            points = [(float(w.get("x")), float(w.get("y"))) for w in edges[fid].iterfind("di:waypoint", NS)]
            assert len(points) >= 2, f"{path.name}: edge {fid} needs waypoints"
            assert all(p[0] == q[0] or p[1] == q[1] for p, q in zip(points, points[1:])), \
                f"{path.name}: edge {fid} is not orthogonal"
            for point, end in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
                box = boxes[end]
                assert box[0] - 1 <= point[0] <= box[2] + 1 and box[1] - 1 <= point[1] <= box[3] + 1, \
                    f"{path.name}: edge {fid} does not start/end at {end}"


SMALL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="p" name="\xe6\xb5\x8b\xe8\xaf\x95" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="front_desk"><bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>g</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l2" name="cs_supervisor"><bpmn:flowNodeRef>t2</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="s" />
    <bpmn:userTask id="t1" name="A" />
    <bpmn:boundaryEvent id="b" name="late" cancelActivity="false" attachedToRef="t1"><bpmn:timerEventDefinition /></bpmn:boundaryEvent>
    <bpmn:userTask id="t2" name="B" />
    <bpmn:exclusiveGateway id="g" default="back" />
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t1" />
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="g" />
    <bpmn:sequenceFlow id="back" name="again" sourceRef="g" targetRef="t1" />
    <bpmn:sequenceFlow id="done" sourceRef="g" targetRef="e"><bpmn:conditionExpression>ok</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fb" sourceRef="b" targetRef="t2" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_layout_tool_ranks_chains_and_draws_loops_around(tmp_path):
    path = tmp_path / "small.bpmn"
    path.write_bytes(SMALL)
    assert bpmn_layout.main([str(path)]) == 0
    assert bpmn_layout.main(["--check", str(path)]) == 0  # idempotent: a second run changes nothing
    root = etree.parse(str(path)).getroot()
    assert root.find("bpmn:collaboration/bpmn:participant", NS).get("processRef") == "p"
    shape = {s.get("bpmnElement"): _bounds(s) for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    centre_y = {k: (v[1] + v[3]) / 2 for k, v in shape.items()}
    assert centre_y["s"] == centre_y["t1"] == centre_y["g"] == centre_y["e"]  # the main chain is one straight line
    assert shape["s"][2] < shape["t1"][0] < shape["g"][0] < shape["e"][0]
    assert shape["t2"][1] >= shape["l2"][1]  # the escalation sits in its own lane below
    edge = {e.get("bpmnElement"): [(float(w.get("x")), float(w.get("y"))) for w in e.iterfind("di:waypoint", NS)]
            for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    top, bottom = shape["t1"][1], shape["t1"][3]  # the loop runs above or below the chain, not through it
    assert all(y <= top or y >= bottom for _, y in edge["back"][1:-1]) and len(edge["back"]) >= 4
    assert edge["fb"][0] == ((shape["b"][0] + shape["b"][2]) / 2, shape["b"][3])  # leaves the boundary event
    path.write_bytes(SMALL.replace(b'name="A"', b'name="AA"').replace(b'id="e" />', b'id="e" name="x" />'))
    assert bpmn_layout.main(["--check", str(path)]) == 1  # stale DI is reported
