"""The prompt templates must teach the answer format that the code reads."""

import shutil

import pytest

from rag.errors import ModelError
from rag.prompts import load_prompts
from rag.settings import PROJECT_ROOT


def test_the_shipped_templates_load() -> None:
    prompts = load_prompts(PROJECT_ROOT / "prompts")
    assert "Quote:" in prompts.system.template and "{refusal}" in prompts.system.template


@pytest.mark.parametrize("label", ["Quote:", "Answer:"])
def test_a_system_prompt_without_a_label_is_refused_at_start_up(tmp_path, label) -> None:
    shutil.copytree(PROJECT_ROOT / "prompts", tmp_path / "prompts")
    system = tmp_path / "prompts" / "system.txt"
    system.write_text(system.read_text().replace(label, "Zeg:"), encoding="utf-8")
    with pytest.raises(ModelError, match=label):
        load_prompts(tmp_path / "prompts")
