"""Open the course's notebooks in JupyterLab without marking them modified.

When a kernel starts, JupyterLab writes the kernel's ``language_info`` (Python's exact version among
it) and the kernel's display name into the notebook's metadata; if they differ from what the file
holds, an untouched notebook shows as modified and asks to be saved on closing. No stored value can
match every learner's Python, so ``python3 course.py lab`` serves notebooks through this contents
manager: a notebook that uses the course's ``python3`` kernel is *sent* to JupyterLab with the
metadata that kernel reports, and the file on disk is left as it is until the learner saves it.
"""

from __future__ import annotations

import json
from functools import cache

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

KERNEL = "python3"


@cache
def kernel_metadata() -> tuple[dict, dict]:
    """``(kernelspec, language_info)`` as JupyterLab writes them for the installed ``python3`` kernel."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        display, language = spec.display_name, spec.language
    except Exception:  # noqa: BLE001 - no registered kernel: what ipykernel would register
        display, language = "Python 3 (ipykernel)", "python"
    kernelspec = {"display_name": display, "language": language, "name": KERNEL}
    return kernelspec, json.loads(json.dumps(IPythonKernel.language_info))


def describe_kernel(metadata: dict) -> bool:
    """Put the course kernel's metadata into a notebook's ``metadata`` (in place); True if it changed.

    Only notebooks whose kernelspec names the ``python3`` kernel (or names none) are touched.
    """
    spec = metadata.get("kernelspec") or {}
    if spec.get("name", KERNEL) != KERNEL:
        return False
    kernelspec, language_info = kernel_metadata()
    changed = metadata.get("kernelspec") != kernelspec or metadata.get("language_info") != language_info
    metadata["kernelspec"] = dict(kernelspec)
    metadata["language_info"] = json.loads(json.dumps(language_info))
    return changed


class CourseContentsManager(AsyncLargeFileManager):
    """JupyterLab's default contents manager, sending notebooks with the course kernel's metadata."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002 - the API's names
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            describe_kernel(model["content"]["metadata"])
        return model


def main() -> None:  # pragma: no cover - a helper for maintainers
    """Print the metadata JupyterLab would write here (``python -m course_lib.labcontents``)."""
    print(json.dumps(dict(zip(("kernelspec", "language_info"), kernel_metadata())), indent=1))


if __name__ == "__main__":
    main()
