"""The prompt templates (prompts/): loaded and checked once at start-up."""

import shutil

import pytest

from rag.errors import ModelError
from rag.prompts import load_prompts
from rag.settings import PROJECT_ROOT


def test_the_shipped_templates_load() -> None:
    prompts = load_prompts(PROJECT_ROOT / "prompts")
    assert {"passages", "refusal"} <= set(prompts.system.input_variables)


@pytest.mark.parametrize("placeholder", ["{passages}", "{refusal}"])
def test_a_system_prompt_without_a_placeholder_is_refused_at_start_up(tmp_path, placeholder) -> None:
    shutil.copytree(PROJECT_ROOT / "prompts", tmp_path / "prompts")
    system = tmp_path / "prompts" / "system.txt"
    system.write_text(system.read_text().replace(placeholder, "..."), encoding="utf-8")
    with pytest.raises(ModelError, match=placeholder.strip("{}")):
        load_prompts(tmp_path / "prompts")
