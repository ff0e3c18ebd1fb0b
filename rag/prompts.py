"""Prompt templates: text files in prompts/, loaded and checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from langchain_core.prompts import PromptTemplate

from rag.errors import ModelError

# File name -> the placeholders it may use; all but the OPTIONAL ones are required.
REQUIRED = {
    "system.txt": {"passages", "refusal"},
    "passage.txt": {"n", "text", "doc"},
    "question.txt": {"question"},
    "preference.txt": {"preference"},
}

# Passage numbers and document names are there for templates that want to show them.
OPTIONAL = {"n", "doc"}


@dataclass(frozen=True)
class Prompts:
    system: PromptTemplate
    passage: PromptTemplate
    question: PromptTemplate
    preference: PromptTemplate  # a client's own system prompt, as a wish the rules outrank


def load_prompts(prompts_dir: Path) -> Prompts:
    templates = {}
    for name, placeholders in REQUIRED.items():
        path = prompts_dir / name
        if not path.is_file():
            raise ModelError(f"Prompt template missing: {path}")
        template = PromptTemplate.from_template(path.read_text(encoding="utf-8").strip())
        used = set(template.input_variables)
        required = placeholders - OPTIONAL
        if not required <= used <= placeholders:
            raise ModelError(
                f"Prompt template {path} must use {sorted(required)} and may use "
                f"{sorted(placeholders & OPTIONAL)}; it uses {sorted(used)}"
            )
        templates[name.removesuffix(".txt")] = template
    return Prompts(**templates)
