"""The web chat (Gradio): streamed answers beside their cited passages, highlighted in the text."""

from __future__ import annotations

import html
import logging
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import gradio as gr

from rag.api.ask import citation_out
from rag.api.errors import public_message
from rag.api.runtime import Runtime
from rag.chunking import Passage
from rag.citations import Citation
from rag.documents import Document
from rag.errors import RagError
from rag.feedback import Feedback
from rag.language import detect_language
from rag.lexicon import Lexicon, lexicon_for
from rag.library import Job
from rag.pipeline import AnswerResult, Evidence, Sources, Token, Turn

log = logging.getLogger(__name__)

EXAMPLES = [
    "Hoeveel had Amazon eerder aan Anthropic toegezegd?",
    "Wat is Project Rainier?",
    "Who reported the news about the investment?",
    "Does Amazon also build its own AI models?",
]

ALL_DOCUMENTS = "All documents"

# Once an answer is in, the article panel scrolls to its first evidence sentence (a
# refusal's: to where the text comes closest).
SCROLL_TO_EVIDENCE = """() => {
  const mark = document.querySelector('#citations mark.evidence, #citations mark.nearest');
  if (mark) mark.scrollIntoView({block: 'center', behavior: 'smooth'});
}"""

CSS = """
.citation {border-left: 3px solid #f59e0b; padding: 4px 8px; margin: 6px 0; font-size: 0.92em}
.refusal {border-left: 3px solid #9ca3af; padding: 4px 8px; color: #4b5563}
.article {white-space: pre-wrap; font-size: 0.9em; line-height: 1.5; max-height: 420px; overflow-y: auto}
.article .passage {background: #fef9e7}
.article mark.evidence {background: #fde68a; padding: 0 1px}
.article mark.nearest {background: #e0f2fe; padding: 0 1px}
.nearest-question {font-size: 0.9em; color: #075985; margin: 4px 0}
.article .passage sup {font-weight: bold; color: #92400e}
.timings {font-size: 0.8em; color: #6b7280}
.library {font-size: 0.85em; width: 100%}
.library th, .library td {text-align: left; padding: 2px 6px}
"""


def highlight(document: Document, citations: list[Citation], mark: str = "evidence") -> str:
    """The document's text with each cited passage lightly marked and, inside it, its
    evidence sentences (one per citation of it) marked strongly, at their exact offsets
    (`mark`: their class; "nearest" for the sentence most like a question not yet answered)."""
    by_passage: dict[tuple[int, int], list[Citation]] = {}
    for c in sorted((c for c in citations if c.doc_id == document.doc_id), key=lambda c: c.start):
        by_passage.setdefault((c.start, c.end), []).append(c)
    text, parts, position = document.text, [], 0
    for (passage_start, passage_end), cited in by_passage.items():
        start = max(passage_start, position)  # overlapping passages: mark the rest only
        if start >= passage_end:
            continue
        numbers = ", ".join(str(c.n) for c in cited)
        parts.append(html.escape(text[position:start]))
        parts.append(f'<span class="passage" data-n="{cited[0].n}"><sup>[{numbers}]</sup>')
        at = start
        for c in sorted(cited, key=lambda c: c.sentence_start):
            inner_start, inner_end = max(c.sentence_start, at), min(c.sentence_end, passage_end)
            if inner_start < inner_end:
                parts.append(html.escape(text[at:inner_start]))
                parts.append(
                    f'<mark class="{mark}" data-n="{c.n}">{html.escape(text[inner_start:inner_end])}</mark>'
                )
                at = inner_end
        parts.append(html.escape(text[at:passage_end]))
        parts.append("</span>")
        position = passage_end
    parts.append(html.escape(text[position:]))
    return f'<div class="article" data-doc="{html.escape(document.doc_id)}">{"".join(parts)}</div>'


def citations_html(result: AnswerResult, documents: dict[str, Document], lexicon: Lexicon | None) -> str:
    if result.refused:
        refusal = f'<div class="refusal" id="refusal">Refused: {html.escape(result.answer)}'
        if result.explanation:
            refusal += f"<br>{html.escape(result.explanation)}"
        refusal += "</div>"
        if not result.nearest or lexicon is None:
            return refusal
        # The closest the text comes, marked as such (the colour of "nearest", not of an
        # answer's evidence): it is not an answer.
        shown = [c for c in result.nearest[:1] if c.doc_id in documents]
        nearest = [highlight(documents[c.doc_id], [c], "nearest") for c in shown]
        head = f'<div class="nearest" id="nearest"><b>{html.escape(lexicon.closest)}</b></div>'
        return refusal + head + "".join(nearest)
    items = [
        f'<div class="citation" data-n="{c.n}"><b>[{c.n}]</b> {html.escape(c.doc_id)} '
        f"{c.start}–{c.end} · score {c.score}<br>{html.escape(c.sentence or c.text)}</div>"
        for c in result.citations
    ]
    cited_docs = dict.fromkeys(c.doc_id for c in result.citations)
    articles = [highlight(documents[d], result.citations) for d in cited_docs if d in documents]
    return "".join(items) + "".join(articles)


def timings_text(result: AnswerResult) -> str:
    t = result.timings
    # A refusal shows no answer word, so it has no first token to give.
    first = f" · first token {t['first_token_ms']:.0f} ms" if "first_token_ms" in t else ""
    return (
        f'<div class="timings">retrieval {t.get("retrieval_ms", 0):.0f} ms{first} · '
        f"total {t.get('total_ms', 0):.0f} ms</div>"
    )


def evidence_html(event: Evidence, documents: dict[str, Document]) -> str:
    """The evidence sentence marked in its document, before the answer is in."""
    sentence = event.sentence
    document = documents.get(sentence.doc_id)
    if document is None:
        return ""
    p = sentence.passage
    shown = Citation(1, p.doc_id, p.start, p.end, p.text, 0.0, sentence.start, sentence.end, sentence.text)
    return highlight(document, [shown])


def sources_html(event: Sources, documents: dict[str, Document], lexicon: Lexicon | None) -> str:
    """The passages being read, lightly marked in their documents, before any answer; the
    sentence of theirs most like the question marked apart, and said not to be an answer."""
    near = event.nearest

    def sentence_in(p: Passage) -> tuple[int, int, str]:
        if near is not None and near.passage == p:
            return near.start, near.end, near.text
        return p.start, p.start, ""

    shown = [
        Citation(n, p.doc_id, p.start, p.end, p.text, 0.0, *sentence_in(p))
        for n, p in enumerate(event.passages, start=1)
    ]
    cited_docs = dict.fromkeys(c.doc_id for c in shown)
    head = ""
    if near is not None and lexicon is not None:
        said = f"{html.escape(lexicon.nearest_question)} „{html.escape(near.text)}”"
        head = f'<div class="nearest-question" id="nearest-question">{said}</div>'
    return head + "".join(highlight(documents[d], shown, "nearest") for d in cited_docs if d in documents)


def library_html(documents: list) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(d.doc)}</td><td>{d.bytes / 1000:.1f} kB</td><td>{d.passages}</td>"
        f"<td>{html.escape(d.added.replace('T', ' ')[:16])}</td></tr>"
        for d in documents
    )
    head = "<tr><th>document</th><th>size</th><th>passages</th><th>added (UTC)</th></tr>"
    return f'<table class="library">{head}{rows}</table>'


def linked_passage(documents: dict[str, Document], params: dict[str, str]) -> str:
    """The page opened from a client's source link (/?doc=…&start=…&end=…): that document,
    with the linked span marked and scrolled to."""
    document = documents.get(params.get("doc", ""))
    try:
        start, end = int(params.get("start", "")), int(params.get("end", ""))
    except ValueError:
        return ""
    if document is None or not 0 <= start < end <= len(document.text):
        return ""
    span = document.text[start:end]
    linked = Citation(1, document.doc_id, start, end, span, 0.0, start, end, span)
    return highlight(document, [linked])


# 👍 and 👎 under each answer (Gradio's "Like" and "Dislike"), and, behind its flag, what
# was wrong: "liked" then arrives as the option's text.
FEEDBACK_OPTIONS = (
    "Like",
    "Dislike",
    "Wrong answer",
    "Should have answered",
    "Should have refused",
    "Wrong passage cited",
)
REMEMBERED_ANSWERS = 512  # the citations of this many recent answers, for readers' votes


def feedback_from_chat(
    chat: list[dict], index: int | tuple | list, liked: bool | str, citations: list[dict]
) -> Feedback | None:
    """A vote on the chat's message at `index`: that answer, the question before it, and
    the conversation before that. None where the message is not an answer to a question."""
    at = index if isinstance(index, int) else index[0]
    if not 0 <= at < len(chat) or chat[at].get("role") != "assistant":
        return None
    asked = next((i for i in range(at - 1, -1, -1) if chat[i].get("role") == "user"), None)
    if asked is None:
        return None
    history = [
        {"role": m["role"], "content": _text(m["content"])}
        for m in chat[:asked]
        if m.get("role") in ("user", "assistant")
    ]
    return Feedback(
        vote="up" if liked in (True, "Like") else "down",
        question=_text(chat[asked]["content"]),
        answer=_text(chat[at]["content"]),
        history=history,
        citations=citations,
        comment=liked if isinstance(liked, str) and liked not in ("Like", "Dislike") else "",
    )


def build_ui(runtime: Runtime) -> gr.Blocks:
    # The citations of recent answers by (question, answer): a vote on a message finds them.
    answered: OrderedDict[tuple[str, str], list[dict]] = OrderedDict()

    def remember(question: str, result: AnswerResult) -> None:
        answered[(question, result.answer)] = [citation_out(c).model_dump() for c in result.citations]
        while len(answered) > REMEMBERED_ANSWERS:
            answered.popitem(last=False)

    last_vote: list = [None, 0.0]  # the last vote stored, and when

    def vote(chat: list[dict], liked: gr.LikeData, request: gr.Request) -> None:
        check_rate(runtime, request)
        entry = feedback_from_chat(chat, liked.index, liked.liked, [])
        if entry is None:
            return
        said = (entry.question, entry.answer, entry.vote, entry.comment)
        if said == last_vote[0] and time.monotonic() - last_vote[1] < 2.0:
            return  # Gradio sends a chosen option twice
        last_vote[:] = [said, time.monotonic()]
        runtime.record_feedback(replace(entry, citations=answered.get((entry.question, entry.answer), [])))

    def respond(
        message: str, chat: list[dict], doc: str, request: gr.Request
    ) -> Iterator[tuple[list[dict], str, str, str]]:
        turns = [Turn(m["role"], _text(m["content"])) for m in chat if m["role"] in ("user", "assistant")]
        chat = [*chat, {"role": "user", "content": as_text(message)}, {"role": "assistant", "content": ""}]
        yield chat, "", "", ""
        try:
            check_rate(runtime, request)
            pipeline = runtime.ready()
            panel, answering = "", False
            language = detect_language(message)  # the question's, as the pipeline reads it
            words = lexicon_for(pipeline.lexicons, language) if pipeline.lexicons else None
            for event in pipeline.stream(message, turns, None if doc == ALL_DOCUMENTS else doc):
                if isinstance(event, Sources):
                    # At once: what is being read, while the model reads it.
                    chat[-1]["content"] = as_text(words.reading if words else "…")
                    panel = sources_html(event, pipeline.documents, words)
                    yield chat, panel, "", ""
                elif isinstance(event, Evidence):
                    # Shown while the answer is written: what the text says, and where.
                    says = words.text_says if words else ""
                    chat[-1]["content"] = as_text(f"{says} „{event.sentence.text}”")
                    panel = evidence_html(event, pipeline.documents)
                    yield chat, panel, "", ""
                elif isinstance(event, Token):
                    chat[-1]["content"] = (chat[-1]["content"] if answering else "") + as_text(event.text)
                    answering = True
                    yield chat, panel, "", ""
                elif isinstance(event, AnswerResult):
                    runtime.metrics.answered(event)
                    remember(message, event)
                    chat[-1]["content"] = as_text(event.answer)
                    panel = citations_html(event, pipeline.documents, words)
                    yield chat, panel, timings_text(event), ""
        except RagError as error:
            chat[-1]["content"] = as_text(f"⚠️ {public_message(error)}")
            yield chat, "", "", ""
        except Exception:  # never a raw exception in the page
            log.exception("the web chat's answer failed")
            chat[-1]["content"] = "⚠️ The answer failed on the server; its log has the details."
            yield chat, "", "", ""

    def on_load(request: gr.Request):
        """Fills what depends on the running pipeline, and opens a linked passage."""
        try:
            pipeline = runtime.ready()
        except RagError as error:
            return (
                gr.update(choices=[ALL_DOCUMENTS]),
                f"⚠️ **Not ready:** {markdown_text(public_message(error))}",
                "",
                "",
                gr.update(choices=[]),
            )
        params = dict(request.query_params) if request else {}
        linked = params.get("doc") if params.get("doc") in pipeline.documents else ALL_DOCUMENTS
        return (
            gr.update(choices=[ALL_DOCUMENTS, *pipeline.documents], value=linked),
            "",
            linked_passage(pipeline.documents, params),
            *library_views(),
        )

    def library_views() -> tuple[str, dict]:
        """The document table, and the choices of the remove picker."""
        listed = runtime.library().documents()
        return library_html(listed), gr.update(choices=[d.doc for d in listed], value=None)

    def pickers() -> tuple[dict, str, dict]:
        return (gr.update(choices=[ALL_DOCUMENTS, *runtime.ready().documents]), *library_views())

    def upload(paths: list[str] | None, replace: bool, request: gr.Request):
        """Each file checked and queued; progress shown until its passages are all in."""
        lines: list[str] = []
        for path in paths or []:
            name = Path(path).name
            try:
                check_rate(runtime, request)
                job = runtime.library().add(name, Path(path).read_bytes(), replace)
                while not job.finished.wait(0.3):
                    yield ("\n".join([*lines, upload_progress(name, job)]), *pickers(), None)
                lines.append(upload_outcome(name, job))
            except RagError as error:
                lines.append(f"⚠️ {markdown_text(public_message(error))}")
            yield ("\n".join(lines), *pickers(), None)

    def ask_to_remove(doc: str | None):
        if not doc:
            return gr.update(visible=False), ""
        return gr.update(visible=True), remove_question(doc)

    def remove(doc: str | None, asked_about: str | None):
        message = ""
        if doc:
            try:
                job = runtime.library().remove(doc)
                job.finished.wait(600)
                message = removal_outcome(doc, job)
            except RagError as error:
                message = f"⚠️ {markdown_text(public_message(error))}"
        asked, *views = pickers()
        if asked_about == doc and doc not in asked["choices"]:  # gone: the chat asks about all
            asked = gr.update(choices=asked["choices"], value=ALL_DOCUMENTS)
        return (gr.update(visible=False), message, asked, *views)

    with gr.Blocks(title="Grounded QA") as ui:
        gr.Markdown(
            "### Vraag het artikel · Ask the article\n"
            "Answers come only from the text; each cites its passage."
        )
        status = gr.Markdown(elem_id="status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                # Questions and answers are shown as plain text (escaped, no Markdown), so
                # nothing in them can load an image or run a script.
                chatbot = gr.Chatbot(
                    label="Chat",
                    height=420,
                    elem_id="chat",
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    feedback_options=FEEDBACK_OPTIONS,
                )
                question = gr.Textbox(
                    placeholder="Stel een vraag… / Ask a question…", show_label=False, elem_id="question"
                )
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send")
                    clear = gr.Button("Clear conversation", elem_id="clear")
                doc = gr.Dropdown([ALL_DOCUMENTS], value=ALL_DOCUMENTS, label="Ask about", elem_id="doc")
                gr.Examples(EXAMPLES, inputs=question)
                timings = gr.HTML(elem_id="timings")
                with gr.Accordion("Documents", open=False, elem_id="documents"):
                    files = gr.File(
                        label="Add documents: drop .txt, .md, .html or .pdf files here, or click to pick",
                        file_count="multiple",
                        file_types=[".txt", ".md", ".html", ".htm", ".pdf"],
                        elem_id="upload",
                    )
                    replace_same = gr.Checkbox(label="Replace a document of the same name", elem_id="replace")
                    # Names in these two are shown as text (markdown_text); no formulas either.
                    upload_status = gr.Markdown(elem_id="upload-status", latex_delimiters=[])
                    library = gr.HTML(elem_id="library")
                    with gr.Row():
                        to_remove = gr.Dropdown([], label="Remove a document", elem_id="remove-doc")
                        remove_button = gr.Button("Remove…", elem_id="remove")
                    with gr.Row(visible=False, elem_id="confirm-row") as confirm_row:
                        confirm_text = gr.Markdown(elem_id="confirm-text", latex_delimiters=[])
                        confirm = gr.Button("Yes, remove it", variant="stop", elem_id="confirm-remove")
                        cancel = gr.Button("Cancel", elem_id="cancel-remove")
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("#### Cited passages")
                cited = gr.HTML(elem_id="citations")
        ui.load(on_load, None, [doc, status, cited, library, to_remove], api_name=False).then(
            None, None, None, js=SCROLL_TO_EVIDENCE
        )
        outputs = [chatbot, cited, timings, question]
        question.submit(respond, [question, chatbot, doc], outputs, api_name="chat").then(
            None, None, None, js=SCROLL_TO_EVIDENCE
        )
        send.click(respond, [question, chatbot, doc], outputs, api_name=False).then(
            None, None, None, js=SCROLL_TO_EVIDENCE
        )
        clear.click(lambda: ([], "", "", ""), None, outputs, api_name=False)
        chatbot.like(vote, chatbot, None, api_name=False)
        files.upload(
            upload, [files, replace_same], [upload_status, doc, library, to_remove, files], api_name=False
        )
        remove_button.click(ask_to_remove, to_remove, [confirm_row, confirm_text], api_name=False)
        cancel.click(lambda: gr.update(visible=False), None, confirm_row, api_name=False)
        confirm.click(
            remove, [to_remove, doc], [confirm_row, upload_status, doc, library, to_remove], api_name=False
        )
    return ui


def check_rate(runtime: Runtime, request: gr.Request | None) -> None:
    """The API's rate limit, for the web chat's questions and uploads too."""
    peer = request.client.host if request and request.client else "ui"
    forwarded = request.headers.get("x-forwarded-for") if request else None
    wait = runtime.limiter.wait_seconds(runtime.limiter.client_key(peer, forwarded))
    if wait > 0:
        raise RagError(f"Too many requests; try again in {wait:.0f} s.")


# What Markdown (with GitHub's autolinks) or HTML could read as markup.
_MARKUP = frozenset("\\`*_{}[]()<>#+-.!|~&\"'$:@=")


def markdown_text(text: str) -> str:
    """`text` for a Markdown component, shown as exactly these characters: each character
    that could be markup becomes a character reference, which Markdown shows as the
    character and never reads as syntax (a name like `![m](https:host)` stays a name)."""
    return "".join(f"&#{ord(c)};" if c in _MARKUP else c for c in text)


def remove_question(doc: str) -> str:
    return f"Remove **{markdown_text(doc)}**? Its passages and its copy in seeds/ go too."


def upload_progress(name: str, job: Job) -> str:
    progress = f"{job.embedded}/{job.total} passages embedded" if job.total else "waiting"
    return f"⏳ Indexing {markdown_text(name)}: {progress}…"


def upload_outcome(name: str, job: Job) -> str:
    if job.state == "failed":
        return f"⚠️ {markdown_text(name)}: {markdown_text(job.error or 'indexing failed')}"
    if job.state == "unchanged":
        return f"✓ {markdown_text(name)}: already here as {markdown_text(job.doc)}; nothing added"
    return f"✓ {markdown_text(name)}: {job.passages} passages, ready to ask about"


def removal_outcome(doc: str, job: Job) -> str:
    if job.state == "done":
        return f"✓ Removed {markdown_text(doc)}"
    return f"⚠️ {markdown_text(job.error or 'removing failed')}"


def as_text(text: str) -> str:
    """Gradio's chat renders HTML even with Markdown off (its sanitiser keeps <img>): what
    people, documents and the model wrote goes in escaped, so it shows as the characters."""
    return html.escape(text, quote=False)


def _text(content) -> str:
    """A chat message's text as it was written (Gradio may hand back a list of parts)."""
    if isinstance(content, list):
        content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return html.unescape(str(content))
