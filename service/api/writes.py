"""How a write answers: 201/200 with its result when it finished while the caller waited, 202 with
its job otherwise (and the job's own error when it failed meanwhile). A caller waits only for a
write expected to finish within RUNRI_WRITE_WAIT_S; a large article answers 202 at once."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from service.api.error_handlers import describe
from service.api.schemas import JobError, JobView
from service.ingest import Ingestor
from service.jobs import Job, JobStatus
from service.models import AddResult


async def answer(outcome: AddResult | Job, ingestor: Ingestor, done_status: int) -> JSONResponse:
    if isinstance(outcome, AddResult):  # identical text, already indexed: nothing to do
        return JSONResponse(status_code=200, content=outcome.model_dump(mode="json"))
    job = outcome
    if ingestor.worth_waiting(job):
        await job.settled(ingestor.settings.write_wait_s)
    if job.status is JobStatus.done:
        created = getattr(job.result, "created", True)
        return JSONResponse(status_code=done_status if created else 200, content=job.result.model_dump(mode="json"))
    if job.status is JobStatus.failed:
        raise job.error  # the error handlers answer it like any other
    return JSONResponse(status_code=202, content=view(job).model_dump(mode="json"),
                        headers={"Location": f"/jobs/{job.id}"})


def view(job: Job) -> JobView:
    error = None
    if job.status is JobStatus.failed and job.error is not None:
        status, code, message = describe(job.error)
        error = JobError(status=status, error=code, message=message)
    return JobView.of(job, error)
