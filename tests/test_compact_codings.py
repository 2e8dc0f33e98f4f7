"""Compact codings (schema v7): the strings a coding repeats are stored once.

A project written at schema version 6 (every coding carrying its coder,
provenance, time, code and rule) is brought to v7 on open; every coding keeps its
id, its memos and the reviews that name it, and every export gives the same bytes
as the same project written at v7 from the start.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text

from pdcode import api
from pdcode.store import Project, legacy, schema
from pdcode.store import codings as coding_store
from pdcode.store import copy as store_copy
from pdcode.store.handcoding import add_coding
from tests.conftest import REPO, SAMPLE, unmigrated, v6_project

BOOK = REPO / "codebooks" / "pd-leadership.yaml"


def _build(location: Path) -> str:
    """The sample, imported and coded by the rules, with a hand coding, a review
    that adds a person's coding, a rejection and a memo on a coding."""
    with api.init_project(location) as project:
        api.import_paths(project, [SAMPLE], api.ImportOptions(manifest=SAMPLE / "manifest.csv"))
        report = api.code_project(project, BOOK)
        rows = api.codings(project, report.coder)
        first, second = rows[0], rows[1]
        add_coding(project, first["source"], first["start"], first["end"], "coaching",
                   "human:ana", "human:ana")  # fmt: skip
        with project.engine.connect() as conn:
            ids = conn.execute(
                select(schema.codings.c.id)
                .where(schema.codings.c.coder == report.coder)
                .order_by(schema.codings.c.id)
                .limit(2)
            ).scalars().all()  # fmt: skip
        api.review.decide(project, ids[0], "human:ben", "accept")
        api.review.decide(project, ids[1], "human:ben", "reject")
        api.memos.add(project, "Why this one?", "ana", coding=ids[0])
        assert second["source"]
    return report.coder


def _outputs(location: Path, coder: str) -> dict[str, Any]:
    with Project.open(location) as project:
        found = {
            fmt: api.export_codings(project, fmt, None, explain=True) for fmt in ("csv", "json")
        }
        found["rules"] = api.export_codings(project, "csv", None, coder=coder)
        found["frequencies"] = api.render_frequencies(
            api.frequencies(project, by="strand"), "csv", None
        )
        with project.engine.connect() as conn:
            for name in ("codings", "memos", "reviews"):
                table_ = schema.codings if name == "codings" else schema.metadata.tables[name]
                query = select(table_).order_by(table_.c.id)
                found[name] = [tuple(r) for r in conn.execute(query)]
    return found


def _as_v6(built: Path, location: Path) -> None:
    """The project at ``built`` written again at ``location`` as pdcode 6 stored it."""
    v6_project(location)
    with (
        Project.open(built) as project,
        project.engine.connect() as reading,
        unmigrated(location) as writing,
    ):
        for table in legacy.metadata.sorted_tables:
            source = schema.codings if table.name == "codings" else schema.metadata.tables[
                table.name
            ]  # fmt: skip
            query = select(*[source.c[c.name] for c in table.c])
            if table.name == "meta":
                query = query.where(source.c.key != "schema_version")
            rows = [dict(r._mapping) for r in reading.execute(query)]
            if rows:
                writing.execute(table.insert(), rows)


def test_a_version_6_project_keeps_every_coding_and_exports_the_same_bytes(
    tmp_path: Path,
) -> None:
    built, old = tmp_path / "v7.db", tmp_path / "v6.db"
    coder = _build(built)
    _as_v6(built, old)
    with unmigrated(old) as conn:
        stored = conn.execute(text("SELECT count(*) FROM codings")).scalar_one()
        assert (
            conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
            == "6"
        )
    expected = _outputs(built, coder)
    assert len(expected["codings"]) == stored > 100
    migrated = _outputs(old, coder)  # opening brings it to v7
    for name, value in expected.items():
        assert migrated[name] == value, name
    with Project.open(old) as project:
        assert project.schema_version() == schema.SCHEMA_VERSION
        with project.engine.begin() as conn:
            store_copy._reset_sequences(conn)  # the rows came in with explicit ids
        # The migrated project codes on: a rerun replaces its run, nothing else.
        again = api.code_project(project, BOOK)
        assert again.removed == again.added == len(api.codings(project, coder))
    assert _outputs(old, coder)["rules"] == expected["rules"]


def test_a_run_stores_its_coder_code_and_rule_strings_once(tmp_path: Path) -> None:
    with api.init_project(tmp_path / "p.db") as project:
        api.import_paths(project, [SAMPLE], api.ImportOptions(manifest=SAMPLE / "manifest.csv"))
        api.code_project(project, BOOK)
        api.code_project(project, BOOK)  # a rerun adds no lookup row but its time's
        c = schema.codings
        with project.engine.connect() as conn:
            codings = conn.execute(select(func.count()).select_from(c)).scalar_one()
            codes = conn.execute(select(func.count(c.c.code.distinct()))).scalar_one()
            rules = conn.execute(select(func.count(c.c.rule.distinct()))).scalar_one()

            def count(table: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

            assert codings > 100
            assert count(schema.coding_codes) == codes
            assert count(schema.coding_rules) == rules
            assert count(schema.coding_origins) <= 2  # one per run (a second if it ticked)
            assert count(schema.coding_spans) == codings


def test_a_deleted_coder_leaves_the_others_untouched(tmp_path: Path) -> None:
    with api.init_project(tmp_path / "p.db") as project:
        api.import_paths(project, [SAMPLE], api.ImportOptions(manifest=SAMPLE / "manifest.csv"))
        report = api.code_project(project, BOOK)
        first = api.codings(project, report.coder)[0]
        add_coding(project, first["source"], first["start"], first["end"], "coaching",
                   "human:ana", "human:ana")  # fmt: skip
        removed, added = coding_store.replace_codings(
            project, report.coder, report.provenance, [first["source"]], []
        )
        assert removed > 0 and added == 0
        [human] = api.codings(project, "human:ana")
        assert (human["start"], human["code"]) == (first["start"], "coaching")


def _file_state(path: Path) -> tuple[int, int]:
    """The file's bytes and SQLite's count of free pages inside it."""
    with sqlite3.connect(path) as conn:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    conn.close()
    return path.stat().st_size, int(free)


@pytest.mark.sqlite_only(reason="a SQLite file's size and free pages")
def test_the_upgrade_to_compact_codings_shrinks_the_file(tmp_path: Path) -> None:
    built, old = tmp_path / "v7.db", tmp_path / "v6.db"
    coder = _build(built)
    _as_v6(built, old)
    before, _ = _file_state(old)
    expected = _outputs(built, coder)
    assert _outputs(old, coder) == expected  # opening upgrades it, then vacuums it
    after, free = _file_state(old)
    assert free == 0
    assert after < before


@pytest.mark.sqlite_only(reason="SQLite's VACUUM")
def test_an_upgrade_that_cannot_vacuum_still_opens_the_project_whole(tmp_path: Path) -> None:
    built, old = tmp_path / "v7.db", tmp_path / "v6.db"
    coder = _build(built)
    _as_v6(built, old)

    def disk_full(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "VACUUM":
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(Engine, "before_cursor_execute", disk_full)
    try:
        with Project.open(old) as project:
            assert project.schema_version() == schema.SCHEMA_VERSION
    finally:
        event.remove(Engine, "before_cursor_execute", disk_full)
    assert _file_state(old)[1] > 0  # not vacuumed: free pages left inside
    assert _outputs(old, coder) == _outputs(built, coder)
