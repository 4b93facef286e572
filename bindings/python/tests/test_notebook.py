"""The example notebook runs from top to bottom and draws its chart."""

from __future__ import annotations

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import REPO

NOTEBOOK = REPO / "examples" / "notebook.ipynb"


def test_the_notebook_runs_as_a_viewer_and_draws_the_chart(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel inherits this process's environment, and with it the output folder.
    monkeypatch.setenv("CITYPASSPORT_NOTEBOOK_OUT", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()

    chart = tmp_path / "population.png"
    assert chart.is_file() and chart.read_bytes().startswith(b"\x89PNG")
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert "EntryReport(12 rows: 12 stored, 0 refused)" in printed
    assert "chart saved to" in printed
