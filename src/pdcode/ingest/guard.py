"""Checks on zip containers (.docx, .xlsx) before any parser opens them.

The declared sizes in the central directory are read without extracting
anything, so a zip bomb is refused before it can fill memory.
"""

from __future__ import annotations

import io
import zipfile

from pdcode.errors import InputError, Reasons
from pdcode.ingest.model import ReadOptions

# Below this size a high compression ratio is harmless (and normal for XML).
_RATIO_FLOOR = 10_000_000


def check_zip(data: bytes, name: str, options: ReadOptions, kind: str) -> None:
    """Refuse what is not a sound zip; ``kind`` names it in messages ("a Word document")."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        # A local file header at the start but no central directory: truncated.
        reason = (
            Reasons.BAD_ZIP if data.startswith(b"PK\x03\x04") else Reasons.NOT_ZIP.format(kind=kind)
        )
        raise InputError(name, reason)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(name, Reasons.BAD_ZIP) from None
    if len(members) > options.max_zip_members:
        raise InputError(
            name, Reasons.ZIP_MEMBERS.format(count=len(members), limit=options.max_zip_members)
        )
    total = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    ratio = total / packed
    if total > options.max_unzipped_bytes or (
        total > _RATIO_FLOOR and ratio > options.max_zip_ratio
    ):
        raise InputError(name, Reasons.ZIP_BOMB.format(size=total, ratio=ratio))
