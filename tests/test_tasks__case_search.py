"""工单查询 by one or two characters (a surname, a name, a building): through ``case_grams``, newest first, by key."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from engine import cancel_instance, start_instance
from engine.storage.models import CaseGram, InstanceStatus
from engine.storage.search_grams import grams_of, short_search
from engine.tasks.case_search import CaseQuery, search_cases

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_the_pieces_a_case_is_found_by():
    assert grams_of(["王伟", "3栋1201"]) == {"王", "伟", "王伟", "栋", "3栋", "栋1"}
    assert grams_of(["Li Na", "12"]) == {"l", "i", "li", "n", "a", "na"}  # lower-cased, per word, no digits only
    assert [short_search(t) for t in ("王", " 王伟 ", "Li", "12", "王伟明", "", "-")] == ["王", "王伟", "li", None,
                                                                                        None, None, None]


@pytest.fixture
def cases(session, deployed):
    """Cases at two properties a minute apart: (name, room, property) in the order they were registered."""
    people = [("王伟", "1栋0101", "P001"), ("李娜", "2栋0202", "P002"), ("王伟", "3栋0303", "P002"),
              ("王芳", "1栋0404", "P001"), ("张伟", "5栋0505", "P001"), ("王伟", "1栋0606", "P001")]
    made = []
    for i, (name, room, prop) in enumerate(people):
        case = start_instance(session, prop, "service_request", {"resident": name, "room": room},
                              now=T0 + timedelta(minutes=i))
        made.append(case.case_no)
    session.commit()
    return made


def _found(session, props, now=T0 + timedelta(hours=1), **query) -> list[str]:
    return [c.case_no for c in search_cases(session, props, CaseQuery(**query), now).rows]


def _ids(session, *codes) -> list[int]:
    rows = session.execute(text("SELECT id, code FROM properties")).all()
    return [i for i, code in rows if code in codes]


def test_one_or_two_characters_find_names_and_buildings_newest_first(session, cases):
    both = _ids(session, "P001", "P002")
    assert _found(session, both, text="王伟") == [cases[5], cases[2], cases[0]]
    assert _found(session, both, text="伟") == [cases[5], cases[4], cases[2], cases[0]]
    assert _found(session, _ids(session, "P001"), text="王") == [cases[5], cases[3], cases[0]]
    assert _found(session, None, text="1栋") == [cases[5], cases[3], cases[0]]      # head office: everywhere
    assert _found(session, both, text="赵") == []
    assert _found(session, _ids(session, "P002"), text="王伟") == [cases[2]]       # my properties only


def test_short_searches_page_by_key_and_take_the_other_filters(session, cases):
    both = _ids(session, "P001", "P002")
    first = search_cases(session, both, CaseQuery(text="伟", limit=2), T0 + timedelta(hours=1))
    assert [c.case_no for c in first.rows] == [cases[5], cases[4]] and first.next_after is not None
    second = search_cases(session, both, CaseQuery(text="伟", limit=2, after=first.next_after), T0 + timedelta(hours=1))
    assert [c.case_no for c in second.rows] == [cases[2], cases[0]] and second.next_after is None
    case_id = session.scalar(select(CaseGram.instance_id).where(CaseGram.gram == "张伟"))
    cancel_instance(session, case_id, user="sup1", reason="重复登记")
    session.commit()
    assert _found(session, both, text="伟", status=InstanceStatus.CANCELLED.value) == [cases[4]]
    assert _found(session, both, text="伟", status=InstanceStatus.RUNNING.value) == [cases[5], cases[2], cases[0]]
    day = (T0 + timedelta(hours=8)).date()
    assert _found(session, both, text="伟", since=day, until=day) == [cases[5], cases[4], cases[2], cases[0]]
    assert _found(session, both, text="伟", since=day + timedelta(days=1)) == []


def test_a_short_search_reads_the_gram_index_not_every_case(session, cases):
    """The plan of a short search at one property walks the gram index; it never scans the cases."""
    both = _ids(session, "P001", "P002")
    statements: list[str] = []
    from sqlalchemy import event

    bind = session.get_bind()

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(bind, "before_cursor_execute", keep)
    try:
        _found(session, both, text="王伟")
    finally:
        event.remove(bind, "before_cursor_execute", keep)
    walk, parameters = next((s, p) for s, p in statements if "case_grams" in s)
    explain = "EXPLAIN QUERY PLAN " if bind.dialect.name == "sqlite" else "EXPLAIN "
    plan = " ".join(str(r[-1]) for r in session.connection().exec_driver_sql(explain + walk, parameters))
    session.rollback()
    assert "case_grams" in plan
    if bind.dialect.name == "sqlite":
        assert "SCAN instances" not in plan and "SCAN case_grams" not in plan, plan
    else:
        assert "Seq Scan on instances" not in plan, plan


@pytest.fixture
def years(session, deployed):
    """Ten cases an hour apart, oldest first, at two properties: rooms 1栋0 at both, a name only the oldest has."""
    made = []
    for i in range(10):
        name = "欧阳娜娜" if i == 0 else f"业主{i}"
        case = start_instance(session, ("P001", "P002")[i % 2], "service_request",
                              {"resident": name, "room": f"1栋0{i}0{i}"}, now=T0 + timedelta(hours=i))
        made.append(case.case_no)
    session.commit()
    return made


@pytest.mark.parametrize("recent, few", [(3, 0), (2000, 0), (3, 1000)])
def test_a_longer_text_is_found_newest_first_whether_the_newest_cases_hold_a_page_or_not(
        session, years, monkeypatch, recent, few):
    """A text is looked for among the newest cases (``RECENT``), then through the text index, or (SQLite, at most
    ``FEW`` matches) in FTS5's list of its matches: the same answer every way."""
    from engine.tasks import case_search

    monkeypatch.setattr(case_search, "RECENT", recent)
    monkeypatch.setattr(case_search, "FEW", few)
    now = T0 + timedelta(days=1)
    both, p1 = _ids(session, "P001", "P002"), _ids(session, "P001")
    newest_first = years[::-1]
    assert _found(session, both, now, text="1栋0", limit=3) == newest_first[:3]      # filled among the newest
    assert _found(session, p1, now, text="1栋0", limit=2) == [years[8], years[6]]
    assert _found(session, None, now, text="1栋0", limit=4) == newest_first[:4]      # head office
    assert _found(session, both, now, text="欧阳娜", limit=3) == [years[0]]          # only the oldest case has it
    assert _found(session, p1, now, text="欧阳娜", limit=3) == [years[0]]
    assert _found(session, both, now, text="0909") == [years[9]]
    assert _found(session, both, now, text="无此人") == []
    page = search_cases(session, both, CaseQuery(text="1栋0", limit=4), now)       # paging by key goes on below
    rest = search_cases(session, both, CaseQuery(text="1栋0", limit=4, after=page.next_after), now)
    assert [c.case_no for c in page.rows + rest.rows] == newest_first[:8]
    cancel_instance(session, session.scalar(select(CaseGram.instance_id).where(CaseGram.gram == "业主")
                                            .order_by(CaseGram.created_at.desc()).limit(1)),
                    user="sup1", reason="重复登记")                                   # the newest: years[9]
    session.commit()
    assert _found(session, both, now, text="1栋0", limit=3, status="running") == newest_first[1:4]
    assert _found(session, both, now, text="1栋0", status="cancelled") == [years[9]]
