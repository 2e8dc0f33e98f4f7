"""Codebook verbs: validate and show (no project needed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from pdcode.codebook import Codebook, Problem, load_codebook, validate_codebook


def validate(path: Path) -> list[Problem]:
    return validate_codebook(path)


def problems_json(problems: list[Problem]) -> str:
    """The problems exactly as the library returns them, as JSON."""
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2) + "\n"


def show(path: Path) -> Codebook:
    return load_codebook(path)


EXPORT_FORMATS = ("qdc", "csv", "md", "docx")


def export_codebook(path: Path, fmt: str, output: Path | None, raw_csv: bool = False) -> str | None:
    """Write a codebook as REFI-QDA .qdc, CSV, Markdown or Word; with no
    ``output``, return a text format (qdc, csv, md) as text. CSV cells a
    spreadsheet would run as formulas are neutralised unless ``raw_csv``."""
    from pdcode.api.formats import check_format
    from pdcode.codebook import exchange

    check_format(fmt, EXPORT_FORMATS, output)
    book = load_codebook(path, require_rules=False)
    writers: dict[str, Callable[[Codebook], bytes]] = {
        "qdc": exchange.to_qdc,
        "docx": exchange.to_docx,
        "csv": lambda b: exchange.to_csv(b, raw_csv).encode("utf-8"),
        "md": lambda b: exchange.to_markdown(b).encode("utf-8"),
    }
    data = writers[fmt](book)
    if output is None:
        return data.decode("utf-8")
    from pdcode.export.files import write_output

    write_output(data, output)
    return None


def import_codebook(path: Path, output: Path) -> tuple[str, ...]:
    """Read a .qdc or .csv codebook and write it as pdcode YAML; return notes."""
    import yaml

    from pdcode.codebook import exchange
    from pdcode.errors import InputError, UsageError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        imported = exchange.from_qdc(data, path.name)
    elif suffix == ".csv":
        imported = exchange.from_csv(data.decode("utf-8-sig"), path.name)
    else:
        raise UsageError(f"{path}: codebooks are imported from .qdc or .csv")
    content = imported.codebook.model_dump(exclude_defaults=True)
    header = (
        f"# Imported by pdcode from {path.name}. Codes have no rules yet: add them\n"
        "# before auto-coding (`pdcode codebook validate` lists the codes without).\n"
    )
    from pdcode.export.files import write_output

    # libyaml's emitter when present: the pure-Python one takes minutes on a
    # codebook of tens of thousands of codes.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(content, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    write_output(header + text, output)
    return imported.notes
