"""Chat clients' own background tasks, answered without the documents or the model.

Open WebUI sends, beside each chat, prompts of its own that start with "### Task:" (a
title, tags, follow-up questions, search queries). They are not questions about the
documents: running them through the pipeline took the model for seconds and answered
prose where JSON was asked for. Here they get at once the JSON their "### Output:"
section asks for: a title made of the chat's first question, and empty lists elsewhere
(an honest "nothing to suggest", which clients handle)."""

from __future__ import annotations

import json
import re

TASK_MARK = "### Task:"
TITLE_WORDS = 6

_JSON_FORMAT = re.compile(r"JSON format:\s*(\{.*?\})", re.DOTALL)
_KEY = re.compile(r'"(\w+)"\s*:\s*(\[|")')
_FIRST_QUESTION = re.compile(r"^\s*USER:\s*(.+)$", re.MULTILINE)


def is_client_task(text: str) -> bool:
    return text.lstrip().startswith(TASK_MARK)


def task_reply(text: str) -> str:
    """The JSON the task asks for (its keys, with a title where one is asked), or "" when
    it asks for no JSON."""
    form = _JSON_FORMAT.search(text)
    if not form:
        return ""
    reply: dict[str, object] = {}
    for key, opening in _KEY.findall(form.group(1)):
        reply[key] = [] if opening == "[" else ""
    if "title" in reply:
        reply["title"] = title_of(text)
    return json.dumps(reply, ensure_ascii=False)


def title_of(text: str) -> str:
    """The chat's first question, cut to a few words."""
    first = _FIRST_QUESTION.search(text)
    if not first:
        return "Chat"
    words = first.group(1).strip().split()
    title = " ".join(words[:TITLE_WORDS]).rstrip("?.!,;:")
    return title + ("…" if len(words) > TITLE_WORDS else "")
