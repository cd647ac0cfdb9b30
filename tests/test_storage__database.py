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
