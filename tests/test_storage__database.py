"""The database setup: on SQLite, writers queue for the write lock while readers never wait for them."""
from sqlalchemy import select, text

from engine import Property, make_engine, make_session_factory, upgrade


def test_sqlite_readers_run_beside_a_writer_and_writers_queue(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}", connect_args={"timeout": 0.2,
                                                                            "check_same_thread": False})
    upgrade(engine)
    writers, readers = make_session_factory(engine), make_session_factory(engine, read_only=True)
    with writers() as writer, readers() as reader, writers() as second_writer:
        writer.add(Property(code="P1", name="翠湖花园", extra_days_off=[], extra_workdays=[]))
        writer.flush()  # holds the write lock, uncommitted
        assert reader.scalars(select(Property)).all() == []  # not blocked, and sees only committed data
        try:
            second_writer.execute(text("select 1"))
            raise AssertionError("a second writer must wait for the write lock")
        except Exception as exc:  # noqa: BLE001 - sqlite3.OperationalError wrapped by SQLAlchemy
            assert "locked" in str(exc)
        writer.commit()
        reader.rollback()
        assert [p.code for p in reader.scalars(select(Property))] == ["P1"]


def test_a_lost_database_is_told_from_a_broken_case_even_behind_the_error_a_clean_up_raised():
    """What the timer sweep and job ask before quarantining a case: the cut connection counts when it is the error,
    and when a clean-up touching the rolled-back session raised another error while handling it."""
    from sqlalchemy.exc import OperationalError, PendingRollbackError

    from engine import database_went_away

    cut = OperationalError("INSERT INTO timer_firings …", {}, Exception("terminating connection"))
    assert database_went_away(cut)
    try:
        try:
            raise cut
        except OperationalError:
            raise PendingRollbackError("This Session's transaction has been rolled back")  # as the step did
    except PendingRollbackError as hidden:
        assert hidden.__context__ is cut and database_went_away(hidden)
    assert not database_went_away(PendingRollbackError("rolled back after a bad flush"))
    assert not database_went_away(RuntimeError("a script's own error"))
