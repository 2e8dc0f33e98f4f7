"""Topics as Markdown, self-contained HTML, CSV rows or JSON.

Every format carries the method, k, seed and unit, so a reader can refit the
same model; nothing random or dated goes in, so the same project and options
give the same bytes.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from pdcode.export.excerpts import attribution

if TYPE_CHECKING:
    from pdcode.topics.result import TopicsResult

NOTE = (
    "Topics are patterns of co-occurring words found by the model, not findings: "
    "read the excerpts before naming a theme."
)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def to_json(result: TopicsResult) -> str:
    data = {
        "method": result.method,
        "k": result.k,
        "seed": result.seed,
        "unit": result.unit,
        "segments": result.segments,
        "coder": result.coder,
        "k_tried": [
            {
                "k": t.k,
                "coherence": t.coherence,
                "stability": t.stability,
                "score": round(t.score, 4),
            }
            for t in result.trials
        ],
        "topics": [
            {
                "topic": t.number,
                "label": t.label,
                "segments": t.segments,
                "coherence": c,
                "terms": [{"term": w, "weight": v} for w, v in t.terms],
                "excerpts": [{k: _clean(v) for k, v in e.items()} for e in t.excerpts],
                "codes": list(t.codes),
                "codebook_gap": t.gap,
            }
            for t, c in zip(result.topics, result.coherence, strict=True)
        ],
        "prevalence": {
            by: {
                "groups": [str(g) for g in table.columns],
                "rows": {str(i): [float(v) for v in table.loc[i]] for i in table.index},
            }
            for by, table in result.prevalence.items()
        },
        "note": NOTE,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _excerpt(e: dict[str, Any]) -> dict[str, Any]:
    return {k: _clean(v) for k, v in e.items()}


def to_markdown(result: TopicsResult) -> str:
    from pdcode.export.tables import md_code
    from pdcode.export.tables import md_escape as esc

    lines = [
        f"# Topics: {result.method.upper()}, k = {result.k}, seed {result.seed}",
        "",
        f"_{result.segments} {result.unit}s. {NOTE}_",
        "",
    ]
    if result.trials:
        lines += ["| k | coherence (NPMI) | stability | score |", "|---:|---:|---:|---:|"]
        lines += [
            f"| {t.k} | {t.coherence:.4f} | {t.stability:.4f} | {t.score:.4f} |"
            for t in result.trials
        ]
        lines.append("")
    for t, coherence in zip(result.topics, result.coherence, strict=True):
        lines += [f"## Topic {t.number}: {esc(t.label)}", ""]
        lines += [f"{t.segments} {result.unit}s; coherence {coherence:.4f}.", ""]
        lines += ["Terms: " + ", ".join(f"{esc(w)} ({v:.3f})" for w, v in t.terms), ""]
        if t.codes:
            shown = ", ".join(
                f"{md_code(str(c['code']))} {c['share']:.0%} (lift {c['lift']})" for c in t.codes
            )
            lines += [f"Codes on its {result.unit}s: {shown}", ""]
        if t.gap:
            lines += ["**No code covers a fifth of this topic: a candidate for a new code.**", ""]
        for e in t.excerpts:
            e = _excerpt(e)
            quoted = "\n".join(
                f"> {esc(line)}" if line else ">" for line in str(e["text"]).split("\n")
            )
            lines += [quoted, ">", f"> — {esc(attribution(e))} (weight {e['weight']})", ""]
    for by, table in result.prevalence.items():
        lines += [f"## Prevalence by {esc(by)} (% of the group's {result.unit}s)", ""]
        lines.append("| topic | " + " | ".join(_md_cell(c) for c in table.columns) + " |")
        lines.append("|---|" + "---:|" * len(table.columns))
        for index in table.index:
            lines.append(
                f"| {_md_cell(index)} | " + " | ".join(f"{v:.1f}" for v in table.loc[index]) + " |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_cell(value: Any) -> str:
    """A group's name as a Markdown table cell."""
    from pdcode.export.tables import md_escape

    return md_escape(str(value)).replace("|", "\\|").replace("\n", " ")


def to_html(result: TopicsResult) -> str:
    esc = html.escape
    title = f"Topics: {result.method.upper()}, k = {result.k}, seed {result.seed}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>"
        "body{font-family:Georgia,serif;max-width:50em;margin:2em auto;line-height:1.45}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
        "blockquote{margin:1em 0;padding:.5em 1em;border-left:4px solid #7aa6d6;background:#f6f8fb}"
        ".by{font-size:.85em;color:#555}.gap{color:#a33}</style></head><body>",
        f"<h1>{esc(title)}</h1><p><em>{result.segments} {esc(result.unit)}s. {esc(NOTE)}</em></p>",
    ]
    if result.trials:
        out.append("<table><tr><th>k</th><th>coherence</th><th>stability</th><th>score</th></tr>")
        out += [
            f"<tr><td>{t.k}</td><td>{t.coherence:.4f}</td><td>{t.stability:.4f}</td>"
            f"<td>{t.score:.4f}</td></tr>"
            for t in result.trials
        ]
        out.append("</table>")
    for t, coherence in zip(result.topics, result.coherence, strict=True):
        out.append(f"<h2>Topic {t.number}: {esc(t.label)}</h2>")
        out.append(f"<p>{t.segments} {esc(result.unit)}s; coherence {coherence:.4f}.</p>")
        terms = ", ".join(f"{esc(w)} ({v:.3f})" for w, v in t.terms)
        out.append(f"<p>Terms: {terms}</p>")
        if t.codes:
            codes = ", ".join(
                f"<code>{esc(c['code'])}</code> {c['share']:.0%} (lift {c['lift']})"
                for c in t.codes
            )
            out.append(f"<p>Codes on its {esc(result.unit)}s: {codes}</p>")
        if t.gap:
            out.append('<p class="gap">No code covers a fifth of this topic.</p>')
        for e in t.excerpts:
            e = _excerpt(e)
            body = esc(str(e["text"])).replace("\n", "<br>")
            by = esc(f"{attribution(e)} (weight {e['weight']})")
            out.append(f'<blockquote>{body}<div class="by">{by}</div></blockquote>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
