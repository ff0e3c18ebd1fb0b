"""Chat clients' own background tasks, answered without the documents or the model.

Open WebUI sends, beside each chat, prompts of its own that start with "### Task:" (a
title, tags, follow-up questions, search queries). They are not questions about the
documents: running them through the pipeline took the model for seconds and answered
prose where JSON was asked for. Here they get at once the JSON their "### Output:"
section asks for: a title made of the chat's first question, and empty lists elsewhere
(an honest "nothing to suggest", which clients handle).

The text is a user's, up to the body limit (1 MB): every scan of it here is linear (a
plain search, or patterns whose repeats cannot backtrack), so no message can make one
request hold a worker for minutes; the route runs it off the event loop besides."""

from __future__ import annotations

import json
import re

TASK_MARK = "### Task:"
TITLE_WORDS = 6

# "JSON format:" and the brace that opens the form. The form's end is found with a plain
# search: a lazy `\{.*?\}` rescanned the rest of the text from every mark (quadratic).
_JSON_FORMAT = re.compile(r"JSON format:\s*+\{")
_KEY = re.compile(r'"(\w++)"\s*+:\s*+(\[|")')
# `[^\S\n]` (whitespace but a newline) before "USER:": `\s*` crossed lines, so every line
# start rescanned all the blank lines after it (quadratic in a run of newlines).
_FIRST_QUESTION = re.compile(r"^[^\S\n]*+USER:\s*+(.+)$", re.MULTILINE)


def is_client_task(text: str) -> bool:
    return text.lstrip().startswith(TASK_MARK)


def task_reply(text: str) -> str:
    """The JSON the task asks for (its keys, with a title where one is asked), or "" when
    it asks for no JSON."""
    form = json_form(text)
    if form is None:
        return ""
    reply: dict[str, object] = {}
    for key, opening in _KEY.findall(form):
        reply[key] = [] if opening == "[" else ""
    if "title" in reply:
        reply["title"] = title_of(text)
    return json.dumps(reply, ensure_ascii=False)


def json_form(text: str) -> str | None:
    """The `{...}` after the first "JSON format:" that opens one, up to its first "}"."""
    opened = _JSON_FORMAT.search(text)
    if opened is None:
        return None
    close = text.find("}", opened.end())
    # No "}" after this mark means none after any later mark either.
    return None if close == -1 else text[opened.end() - 1 : close + 1]


def title_of(text: str) -> str:
    """The chat's first question, cut to a few words."""
    first = _FIRST_QUESTION.search(text)
    if not first:
        return "Chat"
    words = first.group(1).strip().split()
    title = " ".join(words[:TITLE_WORDS]).rstrip("?.!,;:")
    return title + ("…" if len(words) > TITLE_WORDS else "")
