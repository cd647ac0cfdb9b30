"""validate_package: a valid package gives its specs; an invalid one lists every problem with file and element id."""
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine import PackageInvalid
from engine.library.package import assemble, load_folder
from engine.library.validation import ParsedPackage, validate_package

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validation"
MAIN, SUB = "repair.bpmn", "calls/sub/sub.bpmn"


def _read(folder: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (FIXTURES / folder).iterdir() if p.is_file()}


def _edit(files: dict[str, bytes], edits: dict) -> None:
    """Apply edits: file -> None (delete), str/bytes (new content) or a list of (old, new) replacements."""
    for name, edit in edits.items():
        if edit is None:
            del files[name]
        elif isinstance(edit, list):
            text = files[name].decode()
            for old, new in edit:
                assert old in text, f"fixture {name} lacks {old!r}"
                text = text.replace(old, new)
            files[name] = text.encode()
        else:
            files[name] = edit.encode() if isinstance(edit, str) else edit


def build(main: dict | None = None, sub: dict | None = None):
    """The repair fixture package (calls the 'sub' package), with edits to either package's own files."""
    own, called = _read("repair"), _read("sub")
    _edit(own, main or {})
    _edit(called, sub or {})
    return assemble(own, resolver=lambda key: assemble(called))


def problems_of(package) -> list:
    with pytest.raises(PackageInvalid) as caught:
        validate_package(package)
    assert caught.value.problems, "PackageInvalid without problems"
    return caught.value.problems


def only(problems, file: str, element: str | None) -> str:
    """The message of the single problem at (file, element); fails listing all problems otherwise."""
    found = [p.message for p in problems if (p.file, p.element_id) == (file, element)]
    assert len(found) == 1, f"expected one problem at {file}#{element}, got: {[str(p) for p in problems]}"
    return found[0]


# --- the happy path -----------------------------------------------------------------------------

def test_valid_package_returns_specs_including_the_called_process():
    package = build()
    assert "calls/sub/sub.bpmn" in package.files and "calls/sub/manifest.json" in package.files
    parsed = validate_package(package)
    assert isinstance(parsed, ParsedPackage)
    assert parsed.spec.name == "repair"
    assert set(parsed.subprocess_specs) == {"sub"}
    specs = parsed.spec.task_specs
    assert specs["register"].lane == "front_desk" and specs["fix"].lane == "engineering"
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)  # the specs are usable as they are
    workflow.do_engine_steps()
    assert [t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True)] == ["register"]


def test_existing_fixture_package_still_validates():
    packages = Path(__file__).resolve().parent / "fixtures" / "packages"
    parsed = validate_package(load_folder(packages / "service_request", forms_dir=packages / "forms"))
    assert "followup" in parsed.subprocess_specs


# --- 1, 2, 11: files that do not parse -----------------------------------------------------------

def test_bad_xml_names_file_and_line():
    problems = problems_of(build({MAIN: [('<bpmn:endEvent id="end" name="结案">', '<bpmn:endEvent id="end"')]}))
    assert [p.file for p in problems] == [MAIN]  # no follow-on "process_id not found"
    assert only(problems, MAIN, None).startswith("not well-formed XML (line 61, column 28)")


def test_bad_xml_in_a_called_dmn_or_extra_file_is_reported():
    problems = problems_of(build({"priority.dmn": "<definitions><decision"}, {"sub.bpmn": "not xml"}))
    assert "line 1" in only(problems, "priority.dmn", None)
    assert "not well-formed XML" in only(problems, SUB, None)


def test_xsd_errors_are_all_listed_with_line_and_element():
    problems = problems_of(build({MAIN: [
        ('<bpmn:userTask id="fix" name="上门维修">', '<bpmn:userTask id="fix" name="上门维修" colour="red">'),
        ('<bpmn:endEvent id="end"', '<bpmn:frobnicate id="odd_one" /><bpmn:endEvent id="end"'),
    ]}))
    assert "colour" in only(problems, MAIN, "fix") and "XSD (line 41)" in only(problems, MAIN, "fix")
    assert "bpmn:frobnicate" in only(problems, MAIN, "odd_one")
    problems = problems_of(build({"priority.dmn": [('<input id="input_category"', '<input id="input_category" x="1"')]}))
    assert "attribute 'x'" in only(problems, "priority.dmn", "input_category")


def test_dmn_in_an_unsupported_namespace_is_refused():
    problems = problems_of(build({"priority.dmn": [("https://www.omg.org/spec/DMN/20191111/MODEL/",
                                                    "http://example.com/not-dmn")]}))
    assert "unsupported DMN namespace" in only(problems, "priority.dmn", None)


@pytest.mark.parametrize("policy", ['hitPolicy="ANY"', 'hitPolicy="COLLECT" aggregation="SUM"'])
def test_unsupported_hit_policy_is_refused(policy):
    problems = problems_of(build({"priority.dmn": [('hitPolicy="UNIQUE"', policy)]}))
    assert "is not supported" in only(problems, "priority.dmn", "priority_table")


def test_comment_inside_a_decision_table_is_named_not_a_crash():
    problems = problems_of(build({"priority.dmn": [('<rule id="rule_other">', '<!-- 其他 --><rule id="rule_other">')]}))
    assert [(p.file, p.element_id) for p in problems] == [("priority.dmn", "priority_table")]
    assert "comment inside a decision table" in problems[0].message


# --- 3: references to missing elements -----------------------------------------------------------

def test_flow_to_a_missing_element_is_named_clearly():
    problems = problems_of(build({MAIN: [('sourceRef="fix" targetRef="callback"', 'sourceRef="fix" targetRef="calback"')]}))
    assert only(problems, MAIN, "flow_fixed") == "sequence flow flow_fixed points to missing element calback (targetRef)"
    assert not any("perhaps a form" in p.message for p in problems)  # Spiff's misleading message is not shown


# --- 4, 5: Python in diagrams and tables ---------------------------------------------------------

@pytest.mark.parametrize("file, old, new, element, words", [
    (MAIN, 'level == "urgent"', 'level === "urgent"', "flow_urgent", "condition"),
    (MAIN, 'flags = ["紧急"]', 'flags = ["紧急"', "mark_urgent", "script"),
    (MAIN, "attempts = 0", "attempts = = 0", "register", "pre-script"),
    (MAIN, "room = room.strip()", "room = room.strip(", "register", "post-script"),
    (MAIN, '"PT24H"</bpmn:timeDuration>', '"PT24H" +</bpmn:timeDuration>', "fix_deadline", "timeDuration"),
    ("priority.dmn", 'in ["leak", "power_cut"]', 'in ["leak", "power_cut"', "rule_leak", "inputEntry"),
    ("priority.dmn", '<text>"normal"</text>', '<text>"normal</text>', "rule_other", "outputEntry"),
    ("priority.dmn", "<text>urgency</text>", "<text>urgency ==</text>", "input_urgency", "input expression"),
])
def test_python_syntax_errors_name_the_element(file, old, new, element, words):
    message = only(problems_of(build({file: [(old, new)]})), file, element)
    assert words in message and "does not compile" in message and "syntax" in message.lower()


@pytest.mark.parametrize("script", ["import os", "x = ().__class__.__base__.__subclasses__()"])
def test_restricted_python_is_refused_at_deploy(script):
    message = only(problems_of(build({MAIN: [('flags = ["紧急"]', script)]})), MAIN, "mark_urgent")
    assert message.startswith("script does not compile as (restricted) Python")
    assert "import" in message or "__class__" in message


def test_a_script_syntax_error_names_its_line():
    message = only(problems_of(build({MAIN: [('flags = ["紧急"]', "flags = [")]})), MAIN, "mark_urgent")
    assert "Line 1" in message and "never closed" in message


@pytest.mark.parametrize("bare", ["PT24H", "P3D", "R3/PT1H"])
def test_unquoted_iso_timer_value_says_to_quote_it(bare):
    problems = problems_of(build({MAIN: [('"PT24H"</bpmn:timeDuration>', f"{bare}</bpmn:timeDuration>")]}))
    assert f'write "{bare}"' in only(problems, MAIN, "fix_deadline")


# --- 6: lanes ------------------------------------------------------------------------------------

def test_user_task_outside_every_lane_is_refused():
    problems = problems_of(build({MAIN: [("<bpmn:flowNodeRef>fix</bpmn:flowNodeRef>", "")]}))
    assert "no lane" in only(problems, MAIN, "fix")


def test_process_without_lanes_refuses_its_user_tasks():
    text = (FIXTURES / "sub" / "sub.bpmn").read_text()
    lanes = text[text.index("<bpmn:laneSet"):text.index("</bpmn:laneSet>") + len("</bpmn:laneSet>")]
    problems = problems_of(build(sub={"sub.bpmn": [(lanes, "")]}))
    assert "has no laneSet" in only(problems, SUB, "confirm")


# --- 7: forms ------------------------------------------------------------------------------------

def test_missing_form_file_is_named():
    problems = problems_of(build({MAIN: [('value="repair_fix.json"', 'value="repair_fixed.json"')]}))
    assert "repair_fixed.json is not in the package" in only(problems, MAIN, "fix")


def test_form_that_is_not_json_is_named():
    problems = problems_of(build({"repair_fix.json": '{"type": "object",'}))
    message = only(problems, MAIN, "fix")
    assert "repair_fix.json" in message and "not valid JSON" in message


def test_form_that_is_not_a_json_schema_says_why():
    problems = problems_of(build(sub={"sub_confirm.json": '{"type": "objekt"}'}))
    message = only(problems, SUB, "confirm")
    assert "sub_confirm.json is not a valid JSON Schema" in message and "objekt" in message


def test_stray_json_is_checked_but_manifests_are_not_forms():
    problems = problems_of(build({"notes.json": "{oops"}))
    assert [p.file for p in problems] == ["notes.json"]


# --- 8, 9: things the package does not define ----------------------------------------------------

def test_unresolvable_call_activity_and_decision_are_named():
    problems = problems_of(build({MAIN: [('calledElement="sub"', 'calledElement="survey"'),
                                         (">priority</spiffworkflow:calledDecisionId>",
                                          ">fee_table</spiffworkflow:calledDecisionId>")]}))
    assert "survey" in only(problems, MAIN, "callback")
    assert "decision fee_table" in only(problems, MAIN, "decide_priority")


def test_process_id_not_in_any_diagram():
    problems = problems_of(build({"manifest.json": [('"process_id": "repair"', '"process_id": "repair_v2"')]}))
    assert "repair_v2" in only(problems, "manifest.json", None)


# --- 10: structural errors Spiff finds when building specs -----------------------------------------

def test_spiff_structural_errors_become_problems():
    problems = problems_of(build(
        {MAIN: [('<bpmn:scriptTask id="mark_urgent"', '<bpmn:complexGateway id="mark_urgent"'),
                ('<bpmn:script>flags = ["紧急"]</bpmn:script>', ""), ("</bpmn:scriptTask>", "</bpmn:complexGateway>")]},
        {"sub.bpmn": [('<bpmn:startEvent id="sub_start">', '<bpmn:task id="sub_start">'),
                      ("</bpmn:startEvent>", "</bpmn:task>")]},
    ))
    assert "no support implemented for this task type" in only(problems, MAIN, "mark_urgent")
    assert "No start event found" in only(problems, SUB, "sub")


# --- all at once ---------------------------------------------------------------------------------

def test_every_problem_is_reported_not_only_the_first():
    problems = problems_of(build(
        {MAIN: [('level == "urgent"', 'level = "urgent"'), ('"PT24H"</bpmn:timeDuration>', "PT24H</bpmn:timeDuration>"),
                ('targetRef="end"', 'targetRef="the_end"'), ("<bpmn:flowNodeRef>escalate</bpmn:flowNodeRef>", "")],
         "repair_register.json": '{"type": 5}'},
    ))
    where = {(p.file, p.element_id) for p in problems}
    assert {(MAIN, "flow_urgent"), (MAIN, "fix_deadline"), (MAIN, "flow_done"), (MAIN, "escalate"),
            (MAIN, "register")} <= where


@pytest.mark.parametrize("value, words", [("no", "escalates must be true or false (found 'no')"),
                                           ("false", "escalates belongs on a boundary timer event")])
def test_escalates_flag_must_be_true_or_false_and_on_a_boundary_timer(value, words):
    form = '<spiffworkflow:property name="formJsonSchemaFilename" value="repair_fix.json" />'
    flag = f'<spiffworkflow:property name="escalates" value="{value}" />'
    assert words in only(problems_of(build({MAIN: [(form, form + flag)]})), MAIN, "fix")


# --- what the engine would need at run time ----------------------------------------------------

def test_a_user_task_without_a_form_is_refused_naming_file_and_element():
    problems = problems_of(build({MAIN: [(
        '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
        'value="repair_fix.json" /></spiffworkflow:properties></bpmn:extensionElements>', '')]}))
    assert "names no form" in only(problems, MAIN, "escalate")


def test_a_user_task_naming_a_missing_form_is_refused():
    problems = problems_of(build({"repair_fix.json": None}))
    assert "repair_fix.json is not in the package" in only(problems, MAIN, "fix")


@pytest.mark.parametrize("policy", ['hitPolicy="UNIQUE"', 'hitPolicy="FIRST"'])
def test_a_decision_table_without_a_catch_all_rule_is_refused(policy):
    edits = [('hitPolicy="UNIQUE"', policy),
             ('<inputEntry id="rule_other_category"><text>-</text>', '<inputEntry id="rule_other_category"><text>"x"</text>')]
    problems = problems_of(build({"priority.dmn": edits}))
    assert "no catch-all rule" in only(problems, "priority.dmn", "priority_table")


def test_a_collect_table_needs_no_catch_all_rule():
    edits = [('hitPolicy="UNIQUE"', 'hitPolicy="COLLECT"'),
             ('<inputEntry id="rule_other_category"><text>-</text>', '<inputEntry id="rule_other_category"><text>"x"</text>')]
    assert isinstance(validate_package(build({"priority.dmn": edits})), ParsedPackage)
