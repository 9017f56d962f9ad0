"""Group commit for the endpoints that take load: requests that arrive while a transaction runs share the next.

Much of what an application costs, besides its decision, is paid per transaction: checking out a
pooled connection (and its liveness check), BEGIN and COMMIT, authenticating the caller's token,
and extending the audit chain, whose head is one row that every writer must lock until it
commits. When many submissions arrive at once, each paying all of that, and queueing on that one
row, is what limits a server. So submissions that arrive while a transaction is running wait for
it, and then go together in the next one (up to ``max_batch``):

- each is processed exactly as it would be alone: its own statements, its own audit entries, its
  own decision timing; only the transaction, the connection and the audit lock are shared;
- all of them are committed before any of them is answered (an answer never reports a decision
  that could still be lost);
- if anything goes wrong inside a batch, the whole transaction is rolled back and every request
  of the batch is run again in a transaction of its own (:func:`shebao.core.batch.batch_and_replay`,
  shared with the pipeline's ``submit_batch``), so that one bad request never takes its
  neighbours down and each gets exactly the answer it would have got alone. A caller whose token
  or role is refused is answered at once and does not disturb the others (the check only reads).

Under light load a batch is one request and nothing changes. Databases call this group commit
(PostgreSQL does it for WAL flushes); this does it one level up, for the statements and the lock
around them. No library does this for SQLAlchemy sessions, hence the code here.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from fastapi import HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from shebao.core.batch import batch_and_replay
from shebao.core.db import get_sessionmaker
from shebao.core.roles import Role
from shebao.http.deps import authenticate, check_roles
from shebao.users.models import User

Work = Callable[[Session, User, Any], Any]


@dataclass
class _Job:
    request: Any
    credentials: HTTPAuthorizationCredentials | None
    roles: tuple[Role | str, ...]
    item: Any
    future: asyncio.Future
    outcome: tuple[bool, Any] | None = field(default=None)


class _Refused(Exception):
    """A caller refused (token or role) before its request did anything: answered, the batch goes on."""

    def __init__(self, exc: HTTPException) -> None:
        super().__init__(exc.detail)
        self.exc = exc


class GroupCommit:
    """Runs ``work(session, user, item)`` for concurrent requests, several per transaction.

    Args:
        engine: the database the transactions run on.
        work: what one request does inside the shared transaction; it must not commit.
        max_batch: the most requests in one transaction.
        lanes: how many transactions of this kind one process runs at once.
    """

    def __init__(self, engine, work: Work, *, max_batch: int = 50, lanes: int = 1) -> None:
        self.sessionmaker = get_sessionmaker(engine)
        self.work = work
        self.max_batch = max_batch
        self.lanes = lanes
        self._pending: deque[_Job] = deque()
        self._active = 0
        self._tasks: set[asyncio.Task] = set()
        self.batches = 0
        self.requests = 0
        self.replays = 0

    async def run(self, request, credentials: HTTPAuthorizationCredentials | None,
                  roles: tuple[Role | str, ...], item: Any) -> Any:
        """Queue one request, wait until its transaction has committed, return ``work``'s result."""
        loop = asyncio.get_running_loop()
        job = _Job(request, credentials, roles, item, loop.create_future())
        self._pending.append(job)
        if self._active < self.lanes:
            self._active += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await job.future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(self.max_batch, len(self._pending)))]
                try:
                    await anyio.to_thread.run_sync(self._run_batch, batch)
                except BaseException as exc:  # noqa: BLE001 - a bug here must still answer every request
                    for job in batch:
                        job.outcome = job.outcome or (False, exc)
                for job in batch:
                    if job.future.done():  # the client went away; its work stands (idempotency key)
                        continue
                    ok, value = job.outcome or (False, RuntimeError("no outcome"))
                    if ok:
                        job.future.set_result(value)
                    else:
                        job.future.set_exception(value)
        finally:
            self._active -= 1

    # --- in a worker thread ------------------------------------------------------------------------

    def _run_batch(self, jobs: list[_Job]) -> None:
        self.batches += 1
        self.requests += len(jobs)
        outcomes, replayed = batch_and_replay(jobs, self._one, open_session=self.sessionmaker, answered=(_Refused,))
        self.replays += replayed
        for job, (ok, value) in zip(jobs, outcomes, strict=True):
            job.outcome = (False, value.exc) if isinstance(value, _Refused) else (ok, value)

    def _one(self, session: Session, job: _Job) -> Any:
        """One request inside a (possibly shared) transaction: its caller checked, then its work."""
        client = job.request.client.host if job.request.client else "unknown"
        session.info["source"] = f"api:{client}"
        users: dict[str | None, User | None] = session.info.setdefault("group_commit_users", {})
        token = job.credentials.credentials if job.credentials else None
        try:
            if token is None or token not in users:
                users[token] = authenticate(job.request, session, job.credentials)
            user = users[token]
            if user is not None:
                session.info["actor"], session.info["actor_role"] = user.username, user.role
            check_roles(user, job.roles)
        except HTTPException as exc:  # refused before doing anything: answered, the batch goes on
            raise _Refused(exc) from None
        return self.work(session, user, job.item)
