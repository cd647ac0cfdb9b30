"""Every number a property can change is labelled: a Chinese name and unit (and English) per parameter.

The property page shows ``parameter_labels``; processes/README.md says which numbers are
the seeds' own rules and which are chosen defaults.
"""
import json
import re
from pathlib import Path

import pytest

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
MANIFESTS = sorted(PROCESSES.glob("*/manifest.json"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.parent.name)
def test_every_parameter_has_a_chinese_label_and_unit(manifest):
    data = json.loads(manifest.read_text(encoding="utf-8"))
    params, labels = data.get("parameters", {}), data.get("parameter_labels", {})
    assert set(labels) == set(params), "one label per parameter, none for a parameter that is not there"
    for name, label in labels.items():
        assert set(label) == {"zh", "en", "unit", "unit_en"}, name
        assert CJK.search(label["zh"]) and CJK.search(label["unit"]), name
        assert label["en"].isascii() and label["unit_en"].isascii() and label["en"] and label["unit_en"], name


def test_the_readme_says_which_numbers_are_chosen_defaults():
    readme = (PROCESSES / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Numbers: seed rules and chosen defaults"):]
    for manifest in MANIFESTS:
        for name in json.loads(manifest.read_text(encoding="utf-8")).get("parameters", {}):
            assert f"`{name}`" in section, f"{manifest.parent.name}: {name} is not in the README's table of numbers"
