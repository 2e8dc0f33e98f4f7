"""Codebook exchange: REFI-QDA .qdc (validated against the XSD), CSV, Markdown, Word."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.codebook import iter_codes, load_codebook
from pdcode.codebook.exchange import from_csv, from_qdc, to_csv, to_docx, to_markdown, to_qdc
from pdcode.errors import CodebookError
from tests.conftest import REPO

BOOK = load_codebook(REPO / "codebooks" / "pd-leadership.yaml")


def _shape(book: object) -> list[tuple[str, str | None, str, str, str, str, tuple[str, ...]]]:
    return [
        (c.id, parent, c.name, c.definition, c.include, c.exclude, tuple(c.examples))
        for c, parent in iter_codes(book)  # type: ignore[arg-type]
    ]


def test_qdc_validates_against_the_refi_schema(shared: Path) -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(shared / "refi-qda" / "schemas" / "Codebook-mrt2019.xsd"))
    schema.validate(to_qdc(BOOK).decode("utf-8"))


def test_qdc_guids_are_stable_and_there_is_no_empty_sets() -> None:
    first, second = to_qdc(BOOK), to_qdc(BOOK)
    assert first == second
    assert b"<Sets" not in first
    guids = re.findall(rb'guid="([0-9A-F-]+)"', first)
    assert len(guids) == len(set(guids)) == len(list(iter_codes(BOOK)))
    assert b'isCodable="false"' in first and b'name="Strategy"' in first


def test_qdc_round_trip_keeps_ids_tree_and_definitions() -> None:
    back = from_qdc(to_qdc(BOOK), "pd.qdc").codebook
    assert (back.name, back.version) == (BOOK.name, BOOK.version)
    assert _shape(back) == _shape(BOOK)


def test_atlasti_codebook_reads(shared: Path) -> None:
    path = shared / "refi-qda" / "samples" / "atlasti-23.4_codebook.qdc"
    imported = from_qdc(path.read_bytes(), path.name)
    [code] = imported.codebook.codes
    assert (code.id, code.name, code.definition, code.colour) == (
        "code1",
        "code1",
        "description",
        "#46AA00",
    )
    assert imported.notes == ("1 code set(s) not imported: pdcode groups codes by tree only",)


def test_malformed_qdc_is_named(shared: Path) -> None:
    path = shared / "refi-qda" / "samples" / "invalid_not-well-formed.qdc"
    with pytest.raises(
        CodebookError,
        match=r"invalid_not-well-formed.qdc: the codebook is not well-formed XML \(.*line \d+",
    ):
        from_qdc(path.read_bytes(), path.name)


def test_namespace_variants_and_flattened_atlas_names() -> None:
    for ns in ('xmlns="urn:QDA-XML:codebook:0:4"', ""):
        data = (
            f'<CodeBook {ns} origin="ATLAS.ti 8"><Codes>'
            '<Code guid="00000000-0000-0000-0000-000000000001" name="Culture::Trust" isCodable="true"/>'
            '<Code guid="00000000-0000-0000-0000-000000000002" name="Culture::Buy-in" isCodable="true"/>'
            '<Code guid="00000000-0000-0000-0000-000000000003" name="Coaching" isCodable="true"/>'
            "</Codes></CodeBook>"
        ).encode()
        book = from_qdc(data, "a8.qdc").codebook
        assert [(c.id, parent) for c, parent in iter_codes(book)] == [
            ("culture", None),
            ("trust", "culture"),
            ("buy_in", "culture"),
            ("coaching", None),
        ]


def test_unsafe_xml_is_refused() -> None:
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><CodeBook><Codes/></CodeBook>'
    with pytest.raises(CodebookError, match="refused: the codebook declares a DTD or entities"):
        from_qdc(bomb, "evil.qdc")


def test_csv_round_trip() -> None:
    back = from_csv(to_csv(BOOK), "pd-leadership.csv").codebook
    assert _shape(back) == _shape(BOOK)


def test_markdown_and_docx() -> None:
    import docx

    markdown = to_markdown(BOOK)
    assert "### Vision-led PD (`vision_led`)" in markdown
    document = docx.Document(io.BytesIO(to_docx(BOOK)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Strategy (strategy)" in headings and "Trust (trust)" in headings
    assert len(headings) == len(list(iter_codes(BOOK)))


def test_cli_export_then_import_gives_a_usable_codebook(tmp_path: Path) -> None:
    runner = CliRunner()
    qdc, yaml_path = tmp_path / "pd.qdc", tmp_path / "pd.yaml"
    source = str(REPO / "codebooks" / "pd-leadership.yaml")
    assert (
        runner.invoke(
            app, ["codebook", "export", source, "--format", "qdc", "-o", str(qdc)]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["codebook", "import", str(qdc), "-o", str(yaml_path)])
    assert result.exit_code == 0, result.output
    back = load_codebook(yaml_path, require_rules=False)
    assert _shape(back) == _shape(BOOK)
    # Imported codes have no rules: fine for human coding, flagged for auto-coding.
    checked = runner.invoke(app, ["codebook", "validate", str(yaml_path)])
    assert checked.exit_code == 1 and "no-rules" in checked.stderr
