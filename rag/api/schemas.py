"""Request and response bodies. The /v1 replies are built from the openai package's own
types (`rag/api/openai_compat.py`); the requests are looser than OpenAI's so that what
OpenAI accepts is accepted here too."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MODEL_ID = "grounded-qa"


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    question: str = Field(description="The question, Dutch or English (see RAG_MAX_QUESTION_CHARS).")
    history: list[Message] = Field(default_factory=list, description="Earlier turns, oldest first.")
    doc: str | None = Field(
        default=None, description="Keep the question to this document (GET /api/documents)."
    )


class CitationOut(BaseModel):
    n: int
    doc: str
    start: int = Field(description="The cited passage: document[start:end] == text.")
    end: int
    text: str
    score: float
    sentence_start: int = Field(
        description="The evidence sentence inside it: document[sentence_start:sentence_end]."
    )
    sentence_end: int
    sentence: str


class AskResponse(BaseModel):
    answer: str
    refused: bool
    language: str  # a lexicon's code: "nl", "en"
    citations: list[CitationOut]
    timings: dict[str, float]
    usage: dict[str, int] = Field(default_factory=dict, description="prompt_tokens, completion_tokens")
    nearest: list[CitationOut] = Field(
        default_factory=list,
        description="A refusal's closest passage of the text (not an answer): the sentence the "
        "model rested on, or the passage retrieval ranked first.",
    )
    reason: str = Field(default="", description="Why it refused, in the question's language.")


class FeedbackRequest(BaseModel):
    """A reader's vote on one answer, with what it was about."""

    vote: Literal["up", "down"]
    question: str = Field(min_length=1, max_length=10_000)
    answer: str = Field(max_length=20_000)
    history: list[Message] = Field(default_factory=list, max_length=100)
    citations: list[CitationOut] = Field(default_factory=list, max_length=50)
    comment: str = Field(default="", max_length=2000, description="Optional: what was wrong.")


class FeedbackStored(BaseModel):
    stored: bool
    at: str = Field(description="When it was stored (UTC, ISO 8601).")


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """Every error, under /api and /v1 alike, in OpenAI's shape."""

    error: ErrorDetail


class SkippedFile(BaseModel):
    """A file in seeds/ that is not served: unreadable, or a symbolic link."""

    name: str
    reason: str


class Health(BaseModel):
    status: Literal["ok", "error"]
    passages: int | None = None
    # Files in seeds/ left out (the service runs on without them); absent when none.
    skipped: list[SkippedFile] | None = None
    error: str | None = None
    # The model's learned answer-or-refuse decision: "calibration/<model>.json (fitted on N
    # questions)", or why it is off.
    decision: str | None = None
    # The grounding rules off, or without a word table, for the model and languages served.
    rules_off: list[str] | None = None
    # What the model's backend does not do, as it declares (an OpenAI-compatible server does
    # not count its tokens: prompts are fitted on an estimate); absent when nothing.
    backend_lacks: list[str] | None = None
    languages: list[str] | None = None  # the languages served (RAG_LANGUAGES), each by its lexicon


class DocumentInfo(BaseModel):
    doc: str
    chars: int = Field(description="length of the text that offsets refer to")
    bytes: int = Field(description="size of the file in seeds/")
    passages: int
    added: str = Field(description="when the file landed in seeds/ (ISO 8601, UTC)")


class DocumentList(BaseModel):
    documents: list[DocumentInfo]
    skipped: list[SkippedFile] = Field(
        default_factory=list, description="files in seeds/ that are not served, and why"
    )


class DocumentText(BaseModel):
    doc: str
    text: str


class SearchHit(BaseModel):
    doc: str
    start: int
    end: int
    text: str
    score: float


class SearchResults(BaseModel):
    results: list[SearchHit]


# ---------------------------------------------------------------- OpenAI-compatible requests


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ...: accepted and ignored
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text parts (images, audio and files are left out)."""
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ResponseItemIn(BaseModel):
    """One item of a Responses API `input`: a message (role and text); other items (tool
    calls, reasoning) are accepted and left out."""

    model_config = ConfigDict(extra="allow")
    type: str = "message"
    role: Literal["system", "developer", "user", "assistant"] | None = None
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(
                p.text for p in self.content if p.type in ("input_text", "output_text", "text") and p.text
            )
        return self.content or ""


class ResponsesRequest(BaseModel):
    """OpenAI's Responses API request, as far as a question needs it."""

    model_config = ConfigDict(extra="allow")  # store, include, reasoning, tools, user, ...
    model: str = MODEL_ID
    input: str | list[ResponseItemIn] = Field(min_length=1)
    instructions: str | None = None
    stream: bool = False
    max_output_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    doc: str | None = Field(default=None, description="Our extra: keep the question to this document.")
    sources_footer: bool = Field(
        default=True,
        description="Our extra: end the answer's text with its sources, as /v1/chat/completions.",
    )


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # tools, temperature, top_p, user, ...
    model: str = MODEL_ID
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    doc: str | None = Field(default=None, description="Our extra: keep the question to this document.")
    sources_footer: bool = Field(
        default=True,
        description="Our extra: end the answer's text with its sources ('Bronnen: [1] doc 120–250'), "
        "for clients that show neither `annotations` nor `grounded_qa`.",
    )
