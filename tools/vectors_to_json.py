#!/usr/bin/env python3
"""Turn /work/shared/reference/modemmanager_vectors.md into the JSON test data
used by crates/at/tests/vectors.rs.

Every ```yaml block in the markdown is a list of vectors; each vector keeps all
of its fields and gains "section" (the `## N. ...` heading it sits under).
The "## Legend" section is copied verbatim as "legend".

Usage: tools/vectors_to_json.py [MD] [OUT]
Needs PyYAML (`pip install pyyaml`).
"""
import json
import re
import sys

import yaml

DEFAULT_MD = "/work/shared/reference/modemmanager_vectors.md"
DEFAULT_OUT = "crates/at/tests/data/modemmanager_vectors.json"

SOURCE = (
    "ModemManager git HEAD 9a2d5863 (1.25.95-dev; mirror linux-mobile-broadband/ModemManager of "
    "gitlab.freedesktop.org/mobile-broadband/ModemManager) test files "
    "src/tests/test-modem-helpers.c, src/tests/test-at-serial-port.c and "
    "src/plugins/huawei/tests/test-modem-helpers-huawei.c, via "
    "/work/shared/reference/modemmanager_vectors.md, converted by tools/vectors_to_json.py. "
    "Vectors with origin 'derived' are not asserted by an MM test: their expectations were "
    "computed from MM's parser code (see each vector's source)."
)
LICENCE_NOTE = (
    "ModemManager is GPL-2.0-or-later. These are short factual protocol strings used as test "
    "data only; no ModemManager code is copied into this project."
)


def main():
    md_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MD
    out_path = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    with open(md_path, encoding="utf-8") as f:
        text = f.read()

    vectors = []
    section = None
    legend_lines = None
    in_yaml = False
    block = []
    for line in text.splitlines():
        if in_yaml:
            if line.startswith("```"):
                in_yaml = False
                items = yaml.safe_load("\n".join(block)) or []
                if not isinstance(items, list):
                    sys.exit(f"yaml block in {section!r} is not a list")
                for item in items:
                    vectors.append({"section": section, **item})
                block = []
            else:
                block.append(line)
            continue
        if line.startswith("## "):
            section = line[3:].strip()
            legend_lines = [] if section == "Legend" else None
            continue
        if line.startswith("```yaml"):
            in_yaml = True
            continue
        if legend_lines is not None:
            legend_lines.append(line)

    if in_yaml:
        sys.exit("unterminated yaml block")
    legend = "\n".join(legend_lines or []).strip()
    # The legend ends with the total count line; keep it (it documents the file) but check it.
    m = re.search(r"Total vectors:\s*(\d+)", legend)
    if m and int(m.group(1)) != len(vectors):
        sys.exit(f"md says {m.group(1)} vectors, found {len(vectors)}")
    ids = [v.get("id") for v in vectors]
    if len(set(ids)) != len(ids):
        sys.exit("duplicate vector ids")

    out = {
        "source": SOURCE,
        "licence_note": LICENCE_NOTE,
        "legend": legend,
        "vectors": vectors,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors to {out_path}")


if __name__ == "__main__":
    main()
