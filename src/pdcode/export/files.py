"""The one way pdcode writes an output file.

A regular file (or a new one) is replaced atomically: the content goes to a
temporary file in the same folder, which then takes the target's name, so a
half-written file never replaces a good one. Anything else that already exists
under the name, such as a symlink (``/dev/stdout``), a FIFO or a device, is
written through, never replaced.

Names made from data go through `safe_name`/`safe_names` and `inside`: nothing
is ever written outside the folder the user named.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import uuid
from collections.abc import Iterable
from pathlib import Path

from pdcode.errors import PdcodeError, UsageError


def write_output(content: str | bytes, output: Path) -> Path:
    """Write ``content`` (text as UTF-8, unchanged line ends) to ``output``."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise PdcodeError(f"{output}: cannot write ({exc.strerror})") from None
    try:
        if mode is not None and stat.S_ISDIR(mode):
            raise UsageError(f"{output} is a folder: give a file name")
        if mode is not None and not stat.S_ISREG(mode):
            _write_through(data, output)
        else:
            _replace(data, output, mode)
    except OSError as exc:
        raise PdcodeError(f"{output}: cannot write ({exc.strerror})") from None
    return output


def _write_through(data: bytes, output: Path) -> None:
    """Symlinks, FIFOs and devices: open what is there and write into it."""
    with open(output, "wb") as handle:
        handle.write(data)


def _replace(data: bytes, output: Path, mode: int | None) -> None:
    """A temporary file beside ``output``, then one rename over it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(f".{output.name}.{uuid.uuid4().hex[:12]}.part")
    # Created like any new file (0o666 less the umask), or with the old file's mode.
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(part, stat.S_IMODE(mode))
        os.replace(part, output)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


# Names made from data (a strand in ``excerpts_STRAND.md``) never choose where a
# file goes: they are made safe, then the final path is checked to be inside the
# folder the user named.
NAME_LIMIT = 80  # characters of a name made from data
_NAME_BYTES = 160  # and UTF-8 bytes, far below the 255 most file systems allow
_UNSAFE = re.compile(r"[^\w .\-]+")
_DOTS = re.compile(r"\.{2,}")
# Names Windows keeps for devices, whatever the suffix: ``con.md`` opens the console.
_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10)]
)


def safe_name(value: str, limit: int = NAME_LIMIT) -> str:
    """``value`` as one safe file-name part: letters, digits, ``_``, ``-``, inner
    spaces and single inner dots only (anything else, path separators and control
    characters included, becomes ``_``), no leading or trailing dot or space (so
    never ``.`` or ``..``), never a Windows device name, at most ``limit``
    characters; never empty."""
    # A path's parts joined, without the empty, "." and ".." ones: "x/../y" is "x_y".
    parts = re.split(r"[/\\]+", unicodedata.normalize("NFC", value))
    joined = "_".join(p for p in parts if p.strip(". "))
    name = _DOTS.sub(".", _UNSAFE.sub("_", joined)).strip(". ")
    name = name[:limit]
    while len(name.encode("utf-8")) > _NAME_BYTES:
        name = name[:-1]
    name = name.rstrip(". ") or "_"
    if name.split(".", 1)[0].casefold() in _DEVICES:
        name = f"_{name}"[:limit]
    return name


def safe_names(values: Iterable[str], limit: int = NAME_LIMIT) -> dict[str, str]:
    """Each distinct value's `safe_name`, distinct even where file names differ
    only in case: a value that was already safe keeps its name, then the others,
    in sorted order, take ``_2``, ``_3``... after theirs when it is taken."""
    distinct = sorted(set(values))
    wanted = {v: safe_name(v, limit) for v in distinct}
    order = [v for v in distinct if wanted[v] == v] + [v for v in distinct if wanted[v] != v]
    taken: set[str] = set()
    names: dict[str, str] = {}
    for value in order:
        name, number = wanted[value], 2
        while name.casefold() in taken:
            suffix = f"_{number}"
            name, number = wanted[value][: limit - len(suffix)] + suffix, number + 1
        taken.add(name.casefold())
        names[value] = name
    return names


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused with one line unless, links followed, it lies
    inside ``folder`` (``name`` should come from `safe_name`; this is the check)."""
    target = folder / name
    try:
        home = folder.resolve()
        where = target.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        raise PdcodeError(f"{target}: cannot write ({exc})") from None
    if where == home or not where.is_relative_to(home):
        raise PdcodeError(f"{target}: outside the folder {folder}; not written")
    return target


def fixed_zip(data: bytes) -> bytes:
    """A zip archive (.xlsx, .docx) with every member's date set to 1980-01-01,
    and its document properties' created and modified dates to 2000-01-01.

    Libraries stamp each member, and openpyxl the properties, with the time of
    writing, so two exports of one project a second apart would differ; with the
    dates fixed they are equal byte for byte. Members keep their order, names,
    contents and compression.
    """
    import io
    import re
    import zipfile

    stamp = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = info.compress_type
            member.external_attr = info.external_attr
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = stamp.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(member, content)
    return out.getvalue()
