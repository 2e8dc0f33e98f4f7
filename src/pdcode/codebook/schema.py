"""Print the codebook JSON Schema (regenerate docs/codebook.schema.json with it).

python -m pdcode.codebook.schema > docs/codebook.schema.json
"""

from __future__ import annotations

import json

from pdcode.codebook.model import json_schema

if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
