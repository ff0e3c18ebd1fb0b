"""/api/documents: list, read, add (multipart upload, indexed by a queued job), remove."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from rag.api.errors import error_response
from rag.api.runtime import runtime_of
from rag.api.schemas import DocumentList, DocumentText, ErrorResponse
from rag.errors import NotFound

# A request that waits for its job gives up waiting after this long (the job goes on).
WAIT_SECONDS = 600


def router(upload_dependencies: list) -> APIRouter:
    """`upload_dependencies` (the rate limit) guard the uploads: each costs a check, an
    extraction and embedding."""
    docs = APIRouter(
        prefix="/api/documents",
        tags=["documents"],
        responses={code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 415, 422, 429)},
    )

    @docs.get("", response_model=DocumentList)
    def documents(request: Request) -> DocumentList:
        library = runtime_of(request).library()
        return DocumentList(
            documents=[asdict(d) for d in library.documents()],
            skipped=[asdict(s) for s in library.skipped()],
        )

    @docs.post(
        "",
        status_code=202,
        dependencies=upload_dependencies,
        description="Upload a .txt, .md, .html or .pdf file (multipart field `file`). Answers 202 with "
        "a job to follow at /api/documents/jobs/{id}; with `wait=true`, 201 once indexed. The same "
        "file again: 200, nothing added. Another file under an existing name: 409 unless "
        "`replace=true`.",
    )
    async def upload(
        request: Request,
        file: Annotated[UploadFile, File(description="the document")],
        replace: bool = Query(default=False, description="replace a document of the same name"),
        wait: bool = Query(default=False, description="answer once the document is indexed"),
    ) -> JSONResponse:
        library = runtime_of(request).library()
        data = await file.read(library.max_upload_bytes + 1)
        job = await run_in_threadpool(library.add, file.filename or "", data, replace)
        if job.state == "unchanged":
            return JSONResponse(job.public(), status_code=200)
        if wait:
            await run_in_threadpool(job.finished.wait, WAIT_SECONDS)
            if job.state == "failed":
                return error_response(job.error or "Indexing failed.", 503)
            if job.state == "done":
                return JSONResponse(job.public(), status_code=201)
        return JSONResponse(
            job.public(), status_code=202, headers={"Location": f"/api/documents/jobs/{job.id}"}
        )

    @docs.get("/jobs/{job_id}")
    def job(job_id: str, request: Request) -> dict:
        return runtime_of(request).library().job(job_id).public()

    @docs.get("/{doc}", response_model=DocumentText)
    def document(doc: str, request: Request) -> DocumentText:
        documents = runtime_of(request).ready().documents
        if doc not in documents:
            raise NotFound(f"Unknown document: {doc[:100]!r}. See GET /api/documents.")
        return DocumentText(doc=doc, text=documents[doc].text)

    @docs.delete("/{doc}", description="Removes the document, its passages and its copy in seeds/.")
    async def remove(doc: str, request: Request) -> JSONResponse:
        job = runtime_of(request).library().remove(doc)
        await run_in_threadpool(job.finished.wait, WAIT_SECONDS)
        if job.state == "failed":
            return error_response(job.error or "Removing failed.", 503)
        return JSONResponse(job.public())

    return docs
