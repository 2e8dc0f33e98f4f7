"""A human coding counts wherever it lies (issue 13).

Codings in a preamble, in headings taken for speakers, in text without segments,
or on a parent (group) code all count: in frequencies (sentence, turn and coding
units, leaf and group level), excerpts, the matrix, compare and cooccur. An
imported project's `pdcode frequencies --unit coding` equals the producing tool's
own reference counts, read here straight from its project.qde.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdcode.analysis.cooccurrence import cooccurrence
from pdcode.analysis.frequencies import frequencies
from pdcode.analysis.overlap import coded_units, coding_units, cover
from pdcode.cli import app
from pdcode.ingest.model import Turn

runner = CliRunner()
SAMPLES = Path("refi-qda/samples")
NS = "{urn:QDA-XML:project:1.0}"


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _rows(location: str, *args: str) -> list[dict[str, Any]]:
    data = json.loads(_ok("frequencies", "--format", "json", "-p", location, *args))
    return data["rows"]  # type: ignore[no-any-return]


# --- the analysis functions on frames built by hand ---------------------------------


def _frame(rows: list[tuple[str, int, int]], codes: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["source", "start", "end"])
    if codes is not None:
        frame["code"] = codes
    return frame


def test_cover_adds_a_unit_per_stretch_of_coded_text_no_unit_touches() -> None:
    units = _frame([("a", 10, 20), ("a", 30, 40), ("b", 5, 9)])
    codings = _frame(
        [("a", 0, 5), ("a", 3, 8), ("a", 12, 15), ("a", 41, 50), ("b", 0, 5), ("c", 0, 4),
         ("a", 8, 8)],
        ["x", "y", "x", "x", "z", "y", "q"],
    )  # fmt: skip
    covered, pairs = cover(units, codings)
    extra = {(str(s), a, b) for s, a, b in covered.iloc[3:].itertuples(index=False)}
    # Overlapping preamble codings make one unit; touching a unit is not overlapping it;
    # a source without units gets its own; a coding of no characters covers nothing.
    assert extra == {("a", 0, 8), ("a", 41, 50), ("b", 0, 5), ("c", 0, 4)}
    first = [(str(s), a, b) for s, a, b in covered.iloc[:3].itertuples(index=False)]
    assert first == list(units.itertuples(index=False, name=None))  # units come first, as they were
    assert pairs.equals(coded_units(covered, codings))
    assert sorted(pairs["code"].astype(str)) == ["x", "x", "x", "y", "y", "z"]
    assert cover(units, codings.iloc[2:3])[0] is units  # nothing outside: unchanged


def test_coding_units_merge_overlapping_codings_of_one_code() -> None:
    codings = _frame(
        [("a", 0, 10), ("a", 5, 12), ("a", 12, 20), ("a", 0, 10), ("b", 0, 10), ("a", 3, 4)],
        ["x", "x", "x", "y", "x", "y"],
    )
    units, pairs = coding_units(codings)
    spans = Counter(
        (str(code), str(units.at[u, "source"]), units.at[u, "start"], units.at[u, "end"])
        for u, code in pairs.itertuples(index=False)
    )
    # Touching spans stay two references; y's codings overlap, so they are one.
    assert spans == Counter(
        {("x", "a", 0, 12): 1, ("x", "a", 12, 20): 1, ("x", "b", 0, 10): 1, ("y", "a", 0, 10): 1}
    )


def test_frequencies_count_codings_outside_every_unit() -> None:
    units = _frame([("a", 10, 20), ("a", 21, 30)])  # "b" has no units at all
    codings = _frame(
        [("a", 0, 5), ("a", 2, 6), ("a", 12, 25), ("b", 0, 9), ("b", 3, 4)],
        ["x", "y", "y", "x", "x"],
    )
    sources = pd.DataFrame({"source": ["a", "b"], "strand": ["s", "s"], "case": ["c1", "c2"]})
    table = frequencies(units, codings, sources, ["x", "y"], {}, "sentence")
    rows = {r["code"]: r for r in table.rows}
    assert (rows["x"]["references"], rows["x"]["sources"]) == (2, 2)
    assert (rows["y"]["references"], rows["y"]["sources"]) == (3, 1)
    assert rows["(any code)"]["references"] == 4  # a:0-6, a:10-20, a:21-30, b:0-9
    by_coding = {
        r["code"]: r for r in frequencies(None, codings, sources, ["x", "y"], {}, "coding").rows
    }
    assert (by_coding["x"]["references"], by_coding["y"]["references"]) == (2, 2)
    assert by_coding["(any code)"]["references"] == 3  # a:0-6, a:12-25, b:0-9
    both = cooccurrence(units, codings, ["x", "y"], "sentence").counts
    assert both.loc["x", "y"] == 1 and both.loc["x", "x"] == 2 and both.loc["y", "y"] == 3


# --- a file from another tool: headings, a preamble, codings on parent codes --------

TEXT = (
    "video_title\n"
    "Abstract: Trust in the hub\n"
    "H1: What teachers said\n"
    "We trust the hub lead. She listens.\n"
    "H1: Doubts\n"
    "Nobody asked us. It felt imposed.\n"
)
CODES = {  # guid: (name, parent guid)
    "C1": ("Trust", None),
    "C2": ("Doubt", "C1"),
    "C3": ("Imposed", "C2"),
    "C4": ("Listening", "C1"),
    "C5": ("Headings", None),
}
# (quoted text, code guid): on the title, the headings, a parent code, a leaf.
CODED = [
    ("video_title", "C5"),
    ("Trust in the hub", "C1"),
    ("We trust the hub lead.", "C1"),
    ("She listens.", "C4"),
    ("Doubts", "C2"),
    ("Nobody asked us.", "C2"),
    ("It felt imposed.", "C3"),
    ("Nobody asked us. It felt imposed.", "C3"),
]


def _qdpx(path: Path) -> Path:
    def code(guid: str) -> str:
        name, _ = CODES[guid]
        inner = "".join(code(g) for g, (_, up) in CODES.items() if up == guid)
        return f'<Code guid="{guid}" name="{name}" isCodable="true">{inner}</Code>'

    tree = "".join(code(g) for g, (_, up) in CODES.items() if up is None)
    selections = "".join(
        f'<PlainTextSelection guid="S{i}" name="{quote}" startPosition="{TEXT.index(quote)}" '
        f'endPosition="{TEXT.index(quote) + len(quote)}" creatingUser="U1">'
        f'<Coding guid="K{i}" creatingUser="U1"><CodeRef targetGUID="{guid}"/></Coding>'
        "</PlainTextSelection>"
        for i, (quote, guid) in enumerate(CODED)
    )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="t">'
        '<Users><User guid="U1" name="ana"/></Users>'
        f"<CodeBook><Codes>{tree}</Codes></CodeBook>"
        '<Sources><TextSource guid="T1" name="talk" plainTextPath="internal://T1.txt">'
        f"{selections}</TextSource></Sources></Project>"
    )
    out = path / "other.qdpx"
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/T1.txt", TEXT)
    return out


def _no_turns(text: str, interviewers: frozenset[str] = frozenset()) -> tuple[Turn, ...]:
    return ()


def _headings_as_speakers(
    text: str, interviewers: frozenset[str] = frozenset()
) -> tuple[Turn, ...]:
    """What the old parser made of such text: the last heading starts the only turn."""
    start = text.index("Nobody")
    return (Turn("H1", start, len(text)),)


def _as_is(text: str, interviewers: frozenset[str] = frozenset()) -> tuple[Turn, ...]:
    from pdcode.ingest import turns as speakers

    return speakers.parse_turns(text, interviewers)


@pytest.mark.parametrize(
    "parse",
    [_as_is, _no_turns, _headings_as_speakers],
    ids=["parse_turns", "no-turns", "headings-as-speakers"],
)
def test_every_imported_coding_counts_whatever_the_turns(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    parse: Callable[..., tuple[Turn, ...]],
) -> None:
    from pdcode.ingest import turns as speakers

    if parse is not _as_is:
        monkeypatch.setattr(speakers, "parse_turns", parse)
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    _ok("import", "qdpx", str(_qdpx(tmp_path)), "-p", location)
    names = {guid: name for guid, (name, _) in CODES.items()}
    wanted = Counter(names[guid] for _, guid in CODED)  # Imposed: two codings, one stretch
    wanted["Imposed"] = 1
    for unit in ("sentence", "turn", "paragraph"):
        rows = {r["name"]: r for r in _rows(location, "--unit", unit)}
        assert all(rows[name]["references"] > 0 for name in wanted), (unit, rows)
        assert rows["(any code)"]["sources"] == 1
    rows = {r["name"]: r["references"] for r in _rows(location, "--unit", "coding")}
    # Parent codes (Trust, Doubt) are rows of their own with their own codings.
    assert {k: v for k, v in rows.items() if k != "(any code)"} == dict(wanted)
    assert list(rows) == ["Trust", "Doubt", "Imposed", "Listening", "Headings", "(any code)"]
    grouped = {
        r["name"]: r["references"] for r in _rows(location, "--unit", "coding", "--level", "group")
    }
    # Everything under Trust, at any depth and on Trust itself, counts for Trust:
    # seven codings, of which the last three (Doubt, Imposed twice) overlap.
    assert grouped == {"Trust": 5, "Headings": 1, "(any code)": 6}
    sentences = {r["name"]: r["references"] for r in _rows(location, "--level", "group")}
    assert sentences["Trust"] > 0 and sentences["Headings"] == 1

    out = tmp_path / "excerpts.csv"
    _ok("export", "excerpts", "--format", "csv", "-o", str(out), "-p", location)
    excerpts = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted((e["code_name"], e["text"]) for e in excerpts) == sorted(
        (names[guid], quote) for quote, guid in CODED
    )
    matrix = tmp_path / "matrix.csv"
    _ok("matrix", "--rows", "source", "--count", "-o", str(matrix), "-p", location)
    header = next(csv.reader(io.StringIO(matrix.read_text(encoding="utf-8"))))
    assert {"trust", "doubt", "imposed", "listening", "headings"} <= set(header)
    compared = json.loads(_ok("compare", "--format", "json", "-p", location))
    assert {r["name"] for r in compared["rows"]} >= set(wanted)
    pairs = json.loads(_ok("cooccur", "--format", "json", "-p", location))
    trust_doubt = next(p for p in pairs if {p["code_a"], p["code_b"]} == {"trust", "doubt"})
    assert trust_doubt["a"] > 0 and trust_doubt["b"] > 0


# --- the real exports of other tools ------------------------------------------------


def _file_counts(path: Path) -> tuple[dict[str, str], Counter[str], int, int]:
    """Code names by GUID and codings per code GUID as the file holds them, read
    without pdcode: only codings on text sources whose text is in the file; and how
    many codings the file holds in all, and on text sources whose text is missing."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as archive:
        members = {PurePosixPath(n).name.casefold(): n for n in archive.namelist()}
        qde = next(n for n in archive.namelist() if n.casefold() == "project.qde")
        root = ElementTree.fromstring(archive.read(qde))
    names = {
        c.get("guid", "").strip("{}").upper(): c.get("name", "") for c in root.iter(f"{NS}Code")
    }
    per_code: Counter[str] = Counter()
    total = missing = 0
    for source in root.iter(f"{NS}TextSource"):
        path_ = (source.get("plainTextPath") or "").split("://")[-1]
        has_text = source.find(f"{NS}PlainTextContent") is not None or (
            PurePosixPath(path_).name.casefold() in members
        )
        for selection in source.iter(f"{NS}PlainTextSelection"):
            for ref in selection.iter(f"{NS}CodeRef"):
                total += 1
                if has_text:
                    per_code[ref.get("targetGUID", "").strip("{}").upper()] += 1
                else:
                    missing += 1
    return names, per_code, total, missing


def _imported(shared: Path, name: str, tmp_path: Path) -> tuple[str, Path]:
    sample = shared / SAMPLES / name
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    _ok("import", "qdpx", str(sample), "-p", location)
    return location, sample


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "codings"),
    [("nvivo-win-12.6_oltas0517.qdpx", 303), ("qc-1.3.2_demo.qdpx", 205)],
    ids=["nvivo", "qc"],
)
def test_frequencies_equal_the_tools_own_reference_counts(
    shared: Path, tmp_path: Path, name: str, codings: int
) -> None:
    location, sample = _imported(shared, name, tmp_path)
    names, per_guid, total, missing = _file_counts(sample)
    assert (sum(per_guid.values()), total, missing) == (codings, codings, 0)
    wanted: Counter[str] = Counter()
    for guid, count in per_guid.items():
        wanted[names[guid]] += count
    rows = _rows(location, "--unit", "coding")
    # One reference per coded selection, as NVivo and qc count them: equal per code
    # (codes are matched by name; names two codes share are summed on both sides).
    got: Counter[str] = Counter()
    for row in rows:
        if row["code"] != "(any code)":
            got[row["name"]] += row["references"]
    assert +got == wanted
    assert sum(1 for r in rows if r["code"] != "(any code)" and r["references"]) == len(per_guid)
    # Every code used has a non-zero count in the unit tables too: nothing falls in
    # a preamble, in headings taken for speakers, or on a parent code.
    for unit in ("sentence", "turn", "paragraph"):
        counted = [r for r in _rows(location, "--unit", unit) if r["code"] != "(any code)"]
        assert {r["name"] for r in counted if r["references"]} == set(wanted), unit
        assert sum(1 for r in counted if r["references"]) == len(per_guid), unit
    out = tmp_path / "excerpts.csv"
    # --raw-csv: the names as stored (NVivo's "+Government" would get an apostrophe).
    _ok("export", "excerpts", "--format", "csv", "--raw-csv", "-o", str(out), "-p", location)
    excerpts = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert Counter(e["code_name"] for e in excerpts) == wanted


@pytest.mark.shared
def test_atlas_sample_codings_lie_only_on_sources_without_text(
    shared: Path, tmp_path: Path
) -> None:
    """The ATLAS.ti sample is zipped without its source files: every coding in it is
    on a source whose text is not in the file, so none can count (and the import says
    which sources were skipped); codes used on text that is there all count."""
    location, sample = _imported(shared, "atlasti-8.4_standard-project.qdpx", tmp_path)
    _names, per_guid, total, missing = _file_counts(sample)
    assert total > 0 and missing == total and not per_guid
    for unit in ("sentence", "coding"):
        assert all(r["references"] == 0 for r in _rows(location, "--unit", unit))


@pytest.mark.shared
def test_a_parent_code_with_codings_of_its_own_is_a_filter(shared: Path, tmp_path: Path) -> None:
    """qc codes on parent codes too; `--code PARENT` reads those excerpts."""
    location, _sample = _imported(shared, "qc-1.3.2_demo.qdpx", tmp_path)
    from pdcode import api
    from pdcode.store import frames

    with api.open_project(location) as project:
        table = frames.codes_frame(project)
        coded = set(frames.coded_codes(project))
    parents = [c for c, g in zip(table["code"], table["is_group"], strict=True) if g and c in coded]
    assert parents, "the qc sample codes on parent codes"
    out = tmp_path / "parent.csv"
    _ok(
        "export",
        "excerpts",
        "--code",
        parents[0],
        "--format",
        "csv",
        "-o",
        str(out),
        "-p",
        location,
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {r["code"] for r in rows} == {parents[0]}
