"""Notebook hygiene rules, as a function that lists every problem of one notebook.

Kept apart from the tests so that the rules themselves are tested on notebooks that break them.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")
FORBIDDEN_IMPORTS = ("solutions", "exercises", "tests")
DOWNLOADS = re.compile(
    r"urllib|requests\.|http\.client|urlretrieve|wget|curl |fetch_openml|fetch_[a-z0-9]+\(|"
    r"download=True|hf_hub|from_pretrained|load_dataset\(|pip install"
)


def _code(cell) -> str:
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return src


def _python(src: str) -> str:
    """Cell source with IPython magics and shell lines turned into ``pass``, so that ast parses it."""
    return "\n".join(
        ln[: len(ln) - len(ln.lstrip())] + "pass" if ln.lstrip().startswith(("%", "!")) else ln
        for ln in src.splitlines()
    )


def problems(path: Path) -> list[str]:
    out = []
    if not NAME.match(path.name):
        out.append("name must look like NN_topic.ipynb")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [f"not valid JSON: {exc}"]
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        out.append("kernelspec must be python3")
    cells = nb.get("cells", [])
    for i, c in enumerate(cells, start=1):
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count")):
            out.append(f"cell {i} is stored with outputs or an execution count")
    if len(cells) < 2:
        return out + ["too short to hold a title cell and a parameters cell"]
    intro = _code(cells[0]) if cells[0]["cell_type"] == "markdown" else ""
    if not intro.startswith("# "):
        out.append("cell 1 must be a markdown title ('# NN — topic')")
    for needles, what in ((("learning objectives", "学习目标"), "learning objectives"),
                          (("prerequisites", "先修要求"), "prerequisites")):  # English or Chinese edition
        if not any(n in intro.lower() for n in needles):
            out.append(f"cell 1 must state the {what}")
    if not re.search(r"\btime\b.*\d+\s*(min|minutes)|时间.*?\d+\s*分钟", intro, re.IGNORECASE | re.DOTALL):
        out.append("cell 1 must give a time estimate in minutes")
    params = cells[1]
    if "colab-guard" in params.get("metadata", {}).get("tags", []) and len(cells) > 2:
        params = cells[2]  # the Colab guard cell (course_lib.launch) stands between title and parameters
    if params["cell_type"] != "code" or "parameters" not in params.get("metadata", {}).get("tags", []):
        out.append("cell 2 must be a code cell tagged 'parameters'")
    else:
        names = {t.id for node in ast.walk(ast.parse(_code(params)))
                 if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
        if not {"FAST", "SEED"} <= names:
            out.append("the parameters cell must set FAST and SEED")
    for i, c in enumerate(cells, start=1):
        if c["cell_type"] != "code":
            continue
        src = _code(c)
        colab_guarded = "google.colab" in src
        if DOWNLOADS.search(src) and not colab_guarded:
            out.append(f"cell {i} looks like it downloads something")
        if "sys.path" in src:
            out.append(f"cell {i} changes sys.path; import shared code from course_lib")
        try:
            tree = ast.parse(_python(src))
        except SyntaxError as exc:
            out.append(f"cell {i} is not valid Python: {exc.msg}")
            continue
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for m in mods:
                if m.split(".")[0] in FORBIDDEN_IMPORTS:
                    out.append(f"cell {i} imports {m}; shared code belongs in course_lib")
    last = _code(cells[-1]) + "".join(_code(c) for c in cells[-4:])
    if not re.search(r"exercises/\d{2}_\w+\.py", last):
        out.append("the notebook must end by pointing to its exercise file exercises/NN_topic.py")
    markdown = "".join(_code(c) for c in cells if c["cell_type"] == "markdown")
    if "## Summary" not in markdown and "## 小结" not in markdown:
        out.append("the notebook needs a '## Summary' section")
    return out
