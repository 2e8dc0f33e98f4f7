"""Pseudonymised sharing: names proposed, kept in a key file, replaced in exports.

- `detect`: name-shaped candidates in text (capitalised sequences, titles with a
  name, ``X School``/``X Academy``/``X Trust``) and whether a speaker label is a name;
- `propose`: the key's rows from speakers, the manifest's cases and attributes, a
  user list and detected candidates, with deterministic replacements;
- `identifiers`: names inside case and source names (``case_oakfield``);
- `key`: the key file (read with located problems, written, its rows);
- `apply`: whole-word replacement with an offset map, and the walk over what an
  export writes; `refi`: the same for a REFI-QDA project.

A pure stage: it never reads the project, the api hands it texts and rows.
"""
