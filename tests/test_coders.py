"""Coders are people with access (`pdcode coder add|list|revoke`): tokens stored only
as hashes, and `pdcode serve` for a team, where everything a request writes is
stored under the coder whose token admitted it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from pdcode import api
from pdcode.api import coders, review, workbench
from pdcode.errors import ConflictError, ProjectError, UsageError
from pdcode.store import SCHEMA_VERSION, Project, schema
from pdcode.web.app import create_app, create_team_app
from pdcode.web.security import COOKIE, NEEDS_TOKEN, csrf_for
from tests.conftest import REPO, SAMPLE, cli_ok, run_cli, unmigrated, v6_project

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its TestClient; httpx serves the same here.
    warnings.simplefilter("ignore", UserWarning)
    from starlette.testclient import TestClient

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
SOURCE = "s1_union_officer.srt"


def _stored(project: Project) -> list[tuple[Any, ...]]:
    """Every row of the coders table, every column."""
    with project.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(schema.coders))]


# -- store and api -------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_its_hash(project: Project) -> None:
    added = coders.add(project, "ana")
    assert added.name == "ana" and len(added.token) >= 43
    [row] = _stored(project)
    assert added.token not in repr(row)
    assert hashlib.sha256(added.token.encode()).hexdigest() in row
    assert coders.person(project, added.token) == "ana"
    assert coders.person(project, added.token[:-1]) is None
    assert coders.person(project, "") is None
    [listed] = coders.coders(project)
    assert listed.row() == {
        "name": "ana",
        "created": listed.created,
        "revoked": None,
        "active": True,
    }
    assert "hash" not in json.dumps(listed.row())


def test_a_name_is_a_person_once(project: Project) -> None:
    coders.add(project, "human:ana")  # stored as ana, as every person is
    with pytest.raises(ConflictError, match="coder 'ana' exists"):
        coders.add(project, " ana ")
    for bad, words in (
        ("rules:book@1", "machine coder"),
        ("  ", "needs a name"),
        ("a" * 256, "at most 255"),
        ("ana\nben", "control characters"),
    ):
        with pytest.raises(UsageError, match=words):
            coders.add(project, bad)
    assert [c.name for c in coders.coders(project)] == ["ana"]


def test_coders_are_listed_by_name_in_code_point_order(project: Project) -> None:
    for name in ("émile", "bob", "ana", "Zoe", "Ana"):
        coders.add(project, name)
    assert [c.name for c in coders.coders(project)] == ["Ana", "Zoe", "ana", "bob", "émile"]


def test_revoking_stops_the_token_and_a_new_add_reuses_the_row(project: Project) -> None:
    assert not coders.team(project)
    first = coders.add(project, "ana")
    assert coders.team(project)
    done = coders.revoke(project, "human:ana")
    assert done.name == "ana" and not done.active and done.revoked is not None
    assert coders.person(project, first.token) is None
    assert not coders.team(project)  # nobody active: serve is for one person again
    with pytest.raises(ConflictError, match="already revoked"):
        coders.revoke(project, "ana")
    with pytest.raises(ProjectError, match="no coder named 'ben'"):
        coders.revoke(project, "ben")
    [before] = _stored(project)
    again = coders.add(project, "ana")
    [after] = _stored(project)
    assert after[0] == before[0]  # the same row, with a new token and no revocation
    assert after[2] != before[2] and after[4] is None
    assert coders.person(project, again.token) == "ana"
    assert coders.person(project, first.token) is None


def test_a_version_4_project_gains_the_coders_table(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    v6_project(location)
    with unmigrated(location) as conn:
        # As pdcode wrote it before coders.
        conn.execute(text("DROP TABLE coders"))
        conn.execute(text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION == 8
        assert coders.coders(project) == [] and not coders.team(project)
        added = coders.add(project, "ana")
    with Project.open(location) as project:  # nothing runs twice
        assert coders.person(project, added.token) == "ana"


def test_a_project_copy_takes_the_coders_with_it(tmp_path: Path) -> None:
    with api.init_project(tmp_path / "a.db") as project:
        added = coders.add(project, "ana")
        coders.add(project, "ben")
        coders.revoke(project, "ben")
        listed = coders.coders(project)
    api.copy_project(tmp_path / "a.db", tmp_path / "b.db")
    with api.open_project(tmp_path / "b.db") as copy:
        assert coders.coders(copy) == listed
        assert coders.person(copy, added.token) == "ana"


# -- the command -----------------------------------------------------------------


def test_coder_add_list_and_revoke_on_the_command_line(tmp_path: Path) -> None:
    where = str(tmp_path / "p.db")
    cli_ok("init", "-p", where)
    out = cli_ok("coder", "add", "ana", "-p", where)
    lines = out.splitlines()
    assert lines[0] == "Added coder ana."
    assert "shown only now" in out
    token = lines[2]
    assert len(token) >= 43 and out.count(token) == 2
    assert f"/?token={token}" in lines[3]
    with api.open_project(where) as project:
        assert coders.person(project, token) == "ana"
        assert token not in repr(_stored(project))

    duplicate = run_cli("coder", "add", "human:ana", "-p", where)
    assert duplicate.exit_code == 1
    assert duplicate.output.strip().splitlines() == [
        "Error: coder 'ana' exists; revoke it first to give them a new token"
    ]
    machine = run_cli("coder", "add", RULES, "-p", where)
    assert machine.exit_code == 2 and len(machine.output.strip().splitlines()) == 1
    assert run_cli("coder", "add", "-p", where).exit_code == 2  # no name

    cli_ok("coder", "add", "ben", "-p", where)
    cli_ok("coder", "add", "Abe", "-p", where)
    table = cli_ok("coder", "list", "-p", where)
    assert table.index("Abe") < table.index("ana") < table.index("ben")
    assert token not in table
    revoked = cli_ok("coder", "revoke", "ben", "-p", where)
    assert "Revoked coder ben" in revoked
    assert run_cli("coder", "revoke", "ben", "-p", where).exit_code == 1
    assert run_cli("coder", "revoke", "nobody", "-p", where).exit_code == 1
    listed = json.loads(cli_ok("coder", "list", "--json", "-p", where))
    rows = listed["coders"]
    assert [(r["name"], r["active"]) for r in rows] == [
        ("Abe", True),
        ("ana", True),
        ("ben", False),
    ]
    assert all(set(r) == {"name", "created", "revoked", "active"} for r in rows)
    assert rows[2]["revoked"] and rows[0]["revoked"] is None


def test_an_empty_list_says_how_to_add(tmp_path: Path) -> None:
    where = str(tmp_path / "p.db")
    cli_ok("init", "-p", where)
    assert "pdcode coder add NAME" in cli_ok("coder", "list", "-p", where)
    assert json.loads(cli_ok("coder", "list", "--json", "-p", where)) == {"coders": []}


# -- the workbench of a team -----------------------------------------------------


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One transcript coded by the rules; copied for each test."""
    folder = tmp_path_factory.mktemp("coded")
    with api.init_project(folder / "p.db") as project:
        api.import_paths(project, [SAMPLE / SOURCE], api.ImportOptions(strand="strand1"))
        api.code_project(project, BOOK)
    return folder / "p.db"


@dataclass
class Seat:
    """One person's browser on the team's workbench."""

    client: TestClient
    token: str

    def post(self, url: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        sent = {"X-CSRF-Token": csrf_for(self.token), **headers}
        return self.client.post(url, json=body, headers=sent)


@dataclass
class Team:
    location: Path
    ana: Seat
    ben: Seat


@pytest.fixture
def team(coded: Path, tmp_path: Path) -> Iterator[Team]:
    location = tmp_path / "p.db"
    api.copy_project(coded, location)
    with api.open_project(location) as project:
        ana, ben = coders.add(project, "ana"), coders.add(project, "ben")
    app = create_team_app(str(location))
    with TestClient(app) as first, TestClient(app) as second:
        assert first.get("/", params={"token": ana.token}).status_code == 200
        assert second.get("/", params={"token": ben.token}).status_code == 200
        yield Team(location, Seat(first, ana.token), Seat(second, ben.token))


def _turns(seat: Seat) -> list[dict[str, Any]]:
    reader = seat.client.get("/reader.json", params={"source": SOURCE}).json()
    return [t for t in reader["turns"] if not t["is_interviewer"]]


def _decide(seat: Seat, coding_id: int, decision: str) -> httpx.Response:
    body = {"coding_id": coding_id, "decision": decision, "coder": RULES, "order": "code"}
    return seat.post("/api/review/decide", body)


def test_each_coder_works_under_their_own_name(team: Team) -> None:
    ana_page, ben_page = team.ana.client.get("/").text, team.ben.client.get("/").text
    assert 'coding as <strong class="coder">ana</strong>' in ana_page
    assert 'coding as <strong class="coder">ben</strong>' in ben_page
    assert f'content="{csrf_for(team.ana.token)}"' in ana_page
    assert csrf_for(team.ana.token) != csrf_for(team.ben.token)
    assert team.ana.token not in ana_page and team.ben.token not in ana_page

    turn = _turns(team.ana)[0]
    span = {"source": SOURCE, "start": turn["start"], "end": turn["start"] + 12}
    # A field naming another coder changes nothing: the token says who writes.
    mine = team.ana.post("/api/code", {**span, "code": "coaching", "coder": "ben"})
    theirs = team.ben.post("/api/code", {**span, "code": "trust", "coder": "ana"})
    assert mine.status_code == theirs.status_code == 200, (mine.text, theirs.text)
    memo = {"source": SOURCE, "text": "Mine.", "author": "ben"}
    assert team.ana.post("/api/memo", memo).status_code == 200

    queue = team.ana.client.get("/review.json", params={"coder": RULES}).json()
    first, second = queue["queue"]["pending"][:2]
    assert _decide(team.ana, first, "accept").status_code == 200
    # Naming another reviewer changes nothing either.
    body = {"coding_id": second, "decision": "change", "new_code": "trust", "coder": RULES}
    assert team.ben.post("/api/review/decide", {**body, "reviewer": "ana"}).status_code == 200
    assert team.ben.client.get("/review.json").json()["reviewer"] == "ben"

    exported = cli_ok("export", "codings", "--explain", "--format", "csv", "-p", str(team.location))
    people = {
        (r["coder"], r["code"], r["provenance"])
        for r in csv.DictReader(io.StringIO(exported))
        if r["coder"] in ("ana", "ben")
    }
    assert ("ana", "coaching", "human:ana") in people
    assert ("ben", "trust", "human:ben") in people
    assert ("ana", queue["item"]["code"], f"review:{RULES}") in people
    assert ("ben", "trust", f"review:{RULES}") in people
    with api.open_project(team.location) as project:
        assert review.queue(project, RULES, "ana").decided == 1
        assert review.queue(project, RULES, "ben").decided == 1
        [note] = workbench.reader(project, SOURCE)["memos"]
        assert note["author"] == "ana"

    # ben can neither remove ana's coding nor undo her decision.
    ana_coding = mine.json()["id"]
    refused = team.ben.post("/api/uncode", {"coding_id": ana_coding, "expected_code": "coaching"})
    assert refused.status_code == 409 and "belongs to ana" in refused.json()["error"]
    undone = team.ben.post("/api/review/undo", {"coder": RULES, "order": "code"})
    assert undone.status_code == 200 and undone.json()["undone"]["decision"] == "change"
    nothing = team.ben.post("/api/review/undo", {"coder": RULES, "order": "code"})
    assert nothing.status_code == 400 and "no decision of yours" in nothing.json()["error"]
    with api.open_project(team.location) as project:
        assert review.queue(project, RULES, "ana").decided == 1
        assert review.queue(project, RULES, "ben").decided == 0


def test_one_coders_csrf_value_does_not_write_as_another(team: Team) -> None:
    body = {"source": SOURCE, "text": "A note."}
    borrowed = team.ben.client.post(
        "/api/memo", json=body, headers={"X-CSRF-Token": csrf_for(team.ana.token)}
    )
    assert borrowed.status_code == 403 and "CSRF" in borrowed.json()["error"]
    assert team.ben.post("/api/memo", body).status_code == 200


def test_a_revoked_token_is_refused_at_the_next_request(team: Team) -> None:
    assert team.ana.client.get("/.json").status_code == 200
    cli_ok("coder", "revoke", "ana", "-p", str(team.location))
    for answer in (
        team.ana.client.get("/.json"),
        team.ana.client.get("/static/app.js"),
        team.ana.post("/api/memo", {"source": SOURCE, "text": "Too late."}),
        team.ana.client.get("/", params={"token": team.ana.token}),
    ):
        assert answer.status_code == 403 and answer.text == NEEDS_TOKEN
    assert team.ben.client.get("/.json").status_code == 200
    with api.open_project(team.location) as project:
        assert workbench.reader(project, SOURCE)["memos"] == []


def test_a_team_workbench_admits_coders_only(coded: Path, tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    api.copy_project(coded, location)
    with api.open_project(location) as project:
        ana = coders.add(project, "ana")
    with TestClient(create_team_app(str(location))) as client:
        for given in ("", "wrong", ana.token + "x"):
            assert client.get("/", params={"token": given}).status_code == 403
        client.cookies.set(COOKIE, "wrong")
        assert client.get("/").status_code == 403
    # Behind a reverse proxy with TLS the cookie is only ever sent over HTTPS.
    with TestClient(create_team_app(str(location)), base_url="https://code.example.org") as client:
        welcome = client.get("/", params={"token": ana.token}, follow_redirects=False)
        assert welcome.status_code == 303
        assert "secure" in welcome.headers["set-cookie"].lower()


def test_a_proxy_that_passes_host_and_scheme_lets_writes_through(team: Team) -> None:
    """The same-origin check compares Origin with the scheme and Host the server
    sees: behind a TLS proxy, uvicorn takes the scheme from X-Forwarded-Proto."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    # As `pdcode serve` runs it: uvicorn's proxy headers in front of the app (here
    # trusting the test client, as serve trusts a proxy on 127.0.0.1).
    workbench_app: Any = create_team_app(str(team.location))
    app: Any = ProxyHeadersMiddleware(workbench_app, trusted_hosts="*")
    body = {"source": SOURCE, "text": "Through the proxy."}
    origin = "https://code.example.org"
    with TestClient(app, base_url="http://code.example.org") as client:
        client.get("/", params={"token": team.ana.token})
        sent = {"X-CSRF-Token": csrf_for(team.ana.token), "Origin": origin}
        bare = client.post("/api/memo", json=body, headers=sent)
        assert bare.status_code == 403 and "another site" in bare.json()["error"]
        told = client.post("/api/memo", json=body, headers={**sent, "X-Forwarded-Proto": "https"})
        assert told.status_code == 200


def test_a_server_for_one_person_admits_its_own_token_only(team: Team) -> None:
    """``create_app`` is the server for one person: its own token, its own name,
    whatever coders the project has (`pdcode serve` picks it only without any)."""
    with TestClient(create_app(str(team.location), "jo", "tok-0123456789")) as client:
        assert client.get("/", params={"token": team.ana.token}).status_code == 403
        page = client.get("/", params={"token": "tok-0123456789"})
        assert 'coding as <strong class="coder">jo</strong>' in page.text


# -- pdcode serve ----------------------------------------------------------------


def _serve(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, dict[str, Any]]:
    import uvicorn

    ran: dict[str, Any] = {}

    def run(self: uvicorn.Server, sockets: list[Any] | None = None) -> None:
        ran["config"] = self.config
        raise KeyboardInterrupt

    monkeypatch.setattr(uvicorn.Server, "run", run)
    return run_cli("serve", "--port", "0", *args), ran


def test_serve_runs_for_the_team_when_the_project_has_coders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = str(tmp_path / "p.db")
    cli_ok("init", "-p", where)
    monkeypatch.setenv("PDCODE_SERVE_TOKEN", "tok123")
    alone, _ = _serve(monkeypatch, "-p", where, "--coder", "jo")
    assert alone.exit_code == 0 and "as jo at http://127.0.0.1:" in alone.output
    assert "?token=tok123" in alone.output

    with api.open_project(where) as project:
        token = coders.add(project, "ana").token
    refused, ran = _serve(monkeypatch, "-p", where, "--coder", "jo")
    assert refused.exit_code == 2 and not ran
    assert "--coder is not used" in refused.output

    result, ran = _serve(monkeypatch, "-p", where)
    assert result.exit_code == 0, result.output
    assert "for its coders at http://127.0.0.1:" in result.output
    assert "token=" not in result.output.replace("?token=THEIR-TOKEN", "")
    assert token not in result.output and "tok123" not in result.output
    assert "PDCODE_SERVE_TOKEN is not used" in result.output
    assert ran["config"].proxy_headers is True

    cli_ok("coder", "revoke", "ana", "-p", where)
    again, _ = _serve(monkeypatch, "-p", where)
    assert again.exit_code == 0 and "?token=tok123" in again.output  # one person again
