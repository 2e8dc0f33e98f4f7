"""REFI-QDA project exchange (.qdpx): the plain model, the reader and offsets.

``model`` holds what a project file says, as frozen dataclasses; ``read``
parses a .qdpx (or a bare project.qde) safely into it; ``offsets`` works out how
the producing tool counted positions and converts them to pdcode's code points.
The writer is ``pdcode.export.qdpx``.
"""
