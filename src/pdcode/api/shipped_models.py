"""The models shipped with pdcode: their names, reading one, writing one, and
copying one (with the codebook it bundles) into a project."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.api.learning_data import NAME, _check_unit, _checked, check_name
from pdcode.errors import ProjectError
from pdcode.records import UNITS
from pdcode.store import Project
from pdcode.store import codings as coding_store
from pdcode.store import models as store

if TYPE_CHECKING:
    from pdcode.learn import SuggestionModel

SHIPPED = "data/models"  # inside the pdcode package: NAME.json.gz
SHIPPED_FORMAT = "pdcode-shipped-model"
MAX_SHIPPED_BYTES = 256 * 1024 * 1024  # a shipped file, uncompressed


def shipped_names() -> list[str]:
    """The models shipped with pdcode, by name."""
    folder = resources.files("pdcode").joinpath(SHIPPED)
    if not folder.is_dir():
        return []
    return sorted(
        p.name.removesuffix(".json.gz") for p in folder.iterdir() if p.name.endswith(".json.gz")
    )


def shipped(name: str) -> dict[str, Any] | None:
    """The shipped model ``name``'s file as data (its record not yet checked), or None."""
    if not NAME.match(name):
        return None
    path = resources.files("pdcode").joinpath(SHIPPED, f"{name}.json.gz")
    if not path.is_file():
        return None
    where = f"the shipped model {name}"
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
            data = unzipped.read(MAX_SHIPPED_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ProjectError(f"{where} cannot be read ({exc}); reinstall pdcode") from None
    if len(data) > MAX_SHIPPED_BYTES:
        raise ProjectError(f"{where} is larger than {MAX_SHIPPED_BYTES} bytes; reinstall pdcode")
    try:
        found = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectError(f"{where} is not JSON; reinstall pdcode") from None
    keys = {"format", "name", "unit", "coders", "codebook", "sets", "record"}
    if (
        not isinstance(found, dict)
        or set(found) != keys
        or found["format"] != SHIPPED_FORMAT
        or found["name"] != name
        or found["unit"] not in UNITS
        or not isinstance(found["coders"], list)
        or not all(isinstance(c, str) for c in found["coders"])
        or not (found["codebook"] is None or isinstance(found["codebook"], dict))
    ):
        raise ProjectError(f"{where} is not a shipped model file; reinstall pdcode")
    return found


def write_shipped(
    path: Path,
    name: str,
    model: SuggestionModel,
    unit: str,
    coders: Sequence[str],
    codebook: dict[str, str] | None,
    sets: Sequence[str],
) -> bytes:
    """Write a shipped model file: canonical JSON, gzip without a time or a file
    name in its header, so the same model gives the same bytes. Returns them."""
    from pdcode.learn import to_record
    from pdcode.learn.serial import canonical

    content = {
        "format": SHIPPED_FORMAT,
        "name": check_name(name),
        "unit": _check_unit(unit),
        "coders": list(coders),
        "codebook": codebook,
        "sets": list(sets),
        "record": to_record(model),
    }
    data = gzip.compress(canonical(content), compresslevel=9, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _install_shipped(project: Project, name: str, found: dict[str, Any]) -> None:
    """Copy a shipped model into the project, so the project keeps the very model
    its suggestions came from (a later pdcode may ship another)."""
    from pdcode.learn.serial import canonical

    book = found["codebook"]
    digest = None
    if book is not None:
        digest = str(book.get("sha256")) if book.get("sha256") else None
        _store_bundled_codebook(project, book)
    record = found["record"]
    try:
        text = canonical(record).decode("utf-8")
    except (TypeError, ValueError):
        raise ProjectError(f"model {name}: the shipped record is not plain JSON") from None
    model = _checked(name, text)
    store.save_model(project, name, model.hash_, text, found["unit"], found["coders"], digest)


def _store_bundled_codebook(project: Project, book: dict[str, Any]) -> None:
    """The shipped codebook the model's codes come from, stored in the project
    (once) when pdcode still ships it unchanged, so its codes have their names."""
    from pdcode.api.coding import stored_codes
    from pdcode.api.demo import bundled
    from pdcode.codebook import content_hash, load_codebook

    file = book.get("file")
    if not isinstance(file, str) or not NAME.match(file.removesuffix(".yaml")):
        return
    try:
        path = bundled("codebooks") / file
    except ProjectError:
        return
    if not path.is_file() or content_hash(path) != book.get("sha256"):
        return
    loaded = load_codebook(path)
    coding_store.save_codebook(
        project, loaded.name, loaded.version, str(book["sha256"]), path.read_text("utf-8"),
        stored_codes(loaded),
    )  # fmt: skip
