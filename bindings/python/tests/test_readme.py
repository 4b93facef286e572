"""The README's first run and its quickstart work as written, on a new folder."""

from __future__ import annotations

import pathlib
import re
import shutil
from typing import Dict, List

import pytest

from helpers import CATALOG_CSV, REPO

README = REPO / "bindings" / "python" / "README.md"


def python_blocks(section: str) -> List[str]:
    """The ```python blocks of one `## ` section of the README."""
    text = README.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    body = [part for part in parts if part.startswith(section + "\n")]
    assert len(body) == 1, f"the README has no single section '{section}'"
    return re.findall(r"^```python\n(.*?)^```", body[0], flags=re.MULTILINE | re.DOTALL)


def test_the_first_run_and_the_quickstart_work_on_a_new_folder(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The README runs from a checkout, where the shipped catalog is data/...csv.
    (tmp_path / "data").mkdir()
    shutil.copy(CATALOG_CSV, tmp_path / "data" / CATALOG_CSV.name)
    monkeypatch.chdir(tmp_path)
    first_run = python_blocks("First run")
    quickstart = python_blocks("A period as a DataFrame")
    assert len(first_run) == len(quickstart) == 1

    namespace: Dict[str, object] = {"__name__": "readme"}
    exec(compile(first_run[0], "README.md: First run", "exec"), namespace)
    loaded = capsys.readouterr().out
    assert "CatalogLoad(" in loaded and (tmp_path / "passport-data").is_dir()

    exec(compile(quickstart[0], "README.md: A period as a DataFrame", "exec"), namespace)
    frame = namespace["frame"]
    assert len(frame) > 10  # type: ignore[arg-type]
    assert set(frame["status"]) == {"not entered"}  # type: ignore[index]
    assert "MR-1.1" in capsys.readouterr().out
