"""The record sheets the seeds name carry, as form fields, every column the seeds give them.

《回访记录表》 [001] 附表三: 回访内容及处理结果 · 客户满意度 (A 满意 / B 较满意 / C 不满意) · 签名 ·
回访人员签名 · 日期. 《客户投诉记录处理表》 [003] 4.3.1: 客户姓名、栋房号、投诉内容、联系方式或电话;
[000] 书面投诉 "注明投诉的内容、时间和地点"; 4.4.2 the judgement of its nature; 4.7.9 the callback.
"""
import json
from pathlib import Path

import pytest

FORMS = Path(__file__).resolve().parent.parent / "forms"


def _fields(*names):
    fields = {}
    for name in names:
        for key, prop in json.loads((FORMS / name).read_text(encoding="utf-8"))["properties"].items():
            fields[key] = prop
    return fields


@pytest.mark.parametrize("sheet, forms, columns", [
    ("回访记录表", ["callback_record.json"],
     {"callback_content": "回访内容及处理结果", "rating": "客户满意度", "resident_signature": "客户签名",
      "callback_staff": "回访人员", "callback_date": "回访日期"}),
    ("客户投诉记录处理表", ["complaint_start.json", "complaint_classify.json", "callback_record.json"],
     {"resident_name": "投诉人", "building_room": "栋房号", "content": "投诉内容", "contact_phone": "联系电话",
      "received_at": "收到投诉时间", "location": "投诉地点", "validity": "投诉性质", "callback_content": "回访内容"}),
])
def test_every_column_of_the_sheet_is_a_field(sheet, forms, columns):
    fields = _fields(*forms)
    for key, title in columns.items():
        assert key in fields and fields[key]["title"].startswith(title), f"{sheet}: {title}"


def test_the_callback_rating_is_a_b_c_as_on_the_sheet():
    rating = _fields("callback_record.json")["rating"]
    assert [(o["const"], o["title"][2:]) for o in rating["oneOf"]] == [("A", "满意"), ("B", "较满意"), ("C", "不满意")]
