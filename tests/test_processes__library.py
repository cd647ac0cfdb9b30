"""The standard process library as a whole: valid packages, Chinese forms, roles as lanes, rules in tables, demo."""
import json
import re

import pytest
from library import PROCESSES, ROOT
from lxml import etree
from sqlalchemy import func, select

from cli.demo import seed
from engine import ROLES, Deployment, Property, load_folder, validate_package

PACKAGES = sorted(p.parent for p in PROCESSES.glob("*/manifest.json"))
FORMS = sorted((ROOT / "forms").glob("*.json"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
CJK = re.compile(r"[\u4e00-\u9fff]")
ID = re.compile(r"^[a-z][a-z0-9_]*$")
MUST_NAME = {"endEvent", "userTask", "scriptTask", "businessRuleTask", "callActivity", "boundaryEvent",
             "intermediateCatchEvent"}
MAY_NAME = {"startEvent", "exclusiveGateway", "parallelGateway", "sequenceFlow"}


def _ids(folder):
    return folder.name


@pytest.mark.parametrize("folder", PACKAGES, ids=_ids)
def test_package_validates(folder):
    validate_package(load_folder(folder))  # XSD, references, Python in scripts/timers/tables, lanes, forms


def test_every_procedure_of_the_issue_is_in_the_library():
    assert {p.name for p in PACKAGES} == {
        "complaint", "callback", "repair", "facility_rounds", "engineering_monthly", "planned_outage",
        "facility_emergency", "incident_report", "monthly_report", "callback_list", "complaint_box", "annual_plan",
        "complaint_archive", "immediate_report", "move_in_report"}


@pytest.mark.parametrize("folder", PACKAGES, ids=_ids)
def test_manifest_numbers_cases_and_names_its_summary(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert re.fullmatch(r"[A-Z]{2,4}", manifest["case_prefix"])
    assert CJK.search(manifest["name"])
    if folder.name in ("complaint", "repair"):  # the callback list and the inbox search read these
        assert manifest["summary_fields"] == ["resident_name", "building_room", "contact_phone"]
    for name, value in manifest.get("parameters", {}).items():
        assert ID.match(name) and isinstance(value, (int, float, str))


def test_prefixes_are_unique():
    prefixes = [json.loads((f / "manifest.json").read_text())["case_prefix"] for f in PACKAGES]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize("folder", PACKAGES, ids=_ids)
def test_diagram_names_are_chinese_ids_english_lanes_roles(folder):
    for path in folder.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for process in root.iterfind("bpmn:process", NS):
            assert CJK.search(process.get("name"))
            for lane in process.iterfind(".//bpmn:lane", NS):
                assert lane.get("name") in ROLES, f"{path.name}: lane {lane.get('name')} is not a role id"
            for el in process.iter():
                if not isinstance(el.tag, str):
                    continue
                tag = etree.QName(el).localname
                if el.get("id"):
                    assert ID.match(el.get("id")), f"{path.name}: id {el.get('id')} is not readable English"
                if tag in MUST_NAME or (tag in MAY_NAME and el.get("name")):
                    assert CJK.search(el.get("name") or ""), f"{path.name}: {el.get('id')} needs a Chinese name"
            for task in process.iterfind("bpmn:userTask", NS):
                forms = [p.get("value") for p in task.iterfind(".//spiff:property", NS)
                         if p.get("name") == "formJsonSchemaFilename"]
                assert forms and (ROOT / "forms" / forms[0]).is_file(), f"{path.name}: {task.get('id')} has no form"
            for start in process.iterfind("bpmn:startEvent", NS):
                assert start.find("bpmn:timerEventDefinition", NS) is None, "schedules start periodic work, not timers"


def _titled(schema, where):
    for name, prop in schema.get("properties", {}).items():
        assert CJK.search(prop.get("title", "")), f"{where}: field {name} needs a Chinese title"
        if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            _titled(prop["items"], f"{where}.{name}[]")
        if prop.get("type") == "object":
            _titled(prop, f"{where}.{name}")
        for option in prop.get("oneOf", []):
            assert CJK.search(option["title"]) or re.match(r"^[ABC] ", option["title"]), f"{where}.{name}"
    for field in schema.get("required", []):
        assert field in schema.get("properties", {}), f"{where}: required field {field} is not defined"


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_form_has_chinese_titles_and_defines_its_required_fields(path):
    schema = json.loads(path.read_text())
    assert schema["$schema"].endswith("2020-12/schema") and CJK.search(schema["title"])
    assert schema.get("required"), f"{path.name}: a record sheet has required fields"
    _titled(schema, path.name)


def test_every_form_in_forms_is_used():
    used = set()
    for folder in PACKAGES:
        manifest = json.loads((folder / "manifest.json").read_text())
        used.add(manifest.get("start_form"))
        for path in folder.glob("*.bpmn"):
            used |= set(re.findall(r'formJsonSchemaFilename" value="([^"]+)"', path.read_text()))
    assert {p.name for p in FORMS} == used - {None}


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*/*.dmn")), ids=lambda p: p.stem)
def test_rule_tables_use_supported_hit_policies_and_end_with_a_catch_all(path):
    root = etree.parse(str(path)).getroot()
    ns = {"dmn": etree.QName(root).namespace}
    table = root.find(".//dmn:decisionTable", ns)
    assert table.get("hitPolicy") in ("UNIQUE", "COLLECT")
    rules = table.findall("dmn:rule", ns)
    last = [e.findtext("dmn:text", "", ns).strip() for e in rules[-1].findall("dmn:inputEntry", ns)]
    assert set(last) == {"-"}, f"{path.name}: the last rule must catch everything else"
    for rule in rules:
        assert CJK.search(rule.findtext("dmn:description", "", ns)), f"{path.name}: describe rule {rule.get('id')}"


def test_demo_deploys_the_whole_library_to_the_demo_properties(session):
    loaded = seed(session, PROCESSES)
    session.commit()
    assert len(loaded) == len(PACKAGES)
    assert session.scalar(select(func.count()).select_from(Property)) == 2
    assert session.scalar(select(func.count()).select_from(Deployment)) == 2 * len(PACKAGES)
    again = seed(session, PROCESSES)  # idempotent
    assert all(line.endswith("(unchanged)") for line in again)
