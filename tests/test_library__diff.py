"""A readable diff between two versions: elements, form fields and decision rules added, removed, changed."""
import json

import pytest

from engine import diff_files, load_folder

DI = ('<bpmndi:BPMNDiagram id="d" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
      'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"><bpmndi:BPMNPlane id="p" bpmnElement="service_request">'
      '<bpmndi:BPMNShape id="s" bpmnElement="register"><dc:Bounds x="{x}" y="80" width="100" height="80" />'
      '</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>')


@pytest.fixture
def files(packages_dir):
    return {k: v.decode() for k, v in load_folder(packages_dir / "service_request").files.items()}


def edited(files, path, *edits):
    new = dict(files)
    for old, replacement in edits:
        assert old in new[path], old
        new[path] = new[path].replace(old, replacement)
    return new


def test_identical_versions_have_no_changes(files):
    assert diff_files(files, dict(files)).empty


def test_changed_timer_renamed_task_and_added_flow_are_named(files):
    new = edited(files, "service_request.bpmn",
                 ('"PT%dH" % deadline_hours', '"PT%dH" % (deadline_hours // 2)'),
                 ('name="超时跟进"', 'name="主管跟进"'),
                 ('<bpmn:endEvent id="end" name="结案">', '<bpmn:sequenceFlow id="f_extra" sourceRef="remind" '
                                                        'targetRef="end" /><bpmn:endEvent id="end" name="结案">'))
    diff = diff_files(files, new)
    changed = {c.element_id: c for c in diff.of("changed")}
    assert changed["handle_deadline"].label == "处理时限"
    assert changed["handle_deadline"].details == (
        'timer: "PT%dH" % deadline_hours → "PT%dH" % (deadline_hours // 2)',)
    assert changed["supervisor_review"].details == ("name: 超时跟进 → 主管跟进",)
    [added] = diff.of("added")
    assert added.element_id == "f_extra" and "from: remind" in added.details and "to: end" in added.details
    assert diff.of("removed") == []


def test_moving_shapes_is_layout_not_a_change_of_meaning(files):
    a = edited(files, "service_request.bpmn", ("</bpmn:definitions>", DI.format(x=100)))
    b = edited(files, "service_request.bpmn", ("</bpmn:definitions>", DI.format(x=300)))
    [change] = diff_files(a, b).changes
    assert (change.kind, change.label, change.element_id) == ("changed", "layout", None)


def test_form_fields_and_decision_rules(files):
    form = json.loads(files["sr_register.json"])
    form["properties"]["floor"] = {"type": "integer", "title": "楼层"}
    form["required"] = [r for r in form["required"] if r != "items"]
    new = dict(files, **{"sr_register.json": json.dumps(form, ensure_ascii=False)})
    new = edited(new, "priority.dmn", ('<text>1</text>', '<text>2</text>'))
    diff = diff_files(files, new)
    by_id = {(c.kind, c.element_id): c for c in diff.changes}
    assert by_id[("added", "floor")].label == "sr_register.json: 楼层"
    assert "required: True → False" in by_id[("changed", "items")].details
    rule = next(c for c in diff.of("changed") if c.file == "priority.dmn")
    assert rule.element_id == "rule_emergency"
    assert rule.details == ('"emergency" => "emergency", 1 → "emergency" => "emergency", 2',)
