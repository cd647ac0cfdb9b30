"""What a user may start comes from the deployed versions: a start form, and the start event's lane."""
from engine import create_user, find_startable, startable


def test_front_desk_starts_what_is_deployed_at_their_property(session, deployed):
    fd = create_user(session, "fd1", "前台", "password-fd1", roles={"P001": ["front_desk"]})
    eng = create_user(session, "eng1", "工程", "password-eng", roles={"P001": ["engineering"]})
    hq = create_user(session, "hq1", "总部", "password-hq1", is_hq=True)
    both = create_user(session, "fd9", "前台", "password-fd9", roles={"P001": ["front_desk"], "P002": ["front_desk"]})
    [entry] = startable(session, fd)
    assert (entry.property_code, entry.process_key, entry.start_form, entry.start_lane) == (
        "P001", "service_request", "sr_start.json", "front_desk")
    assert entry.process_name == "服务请求(测试)"
    assert startable(session, eng) == [] and startable(session, hq) == []
    assert [s.property_code for s in startable(session, both)] == ["P001", "P002"]
    assert find_startable(session, fd, "P002", "service_request") is None
    assert find_startable(session, fd, "P001", "service_request") == entry
