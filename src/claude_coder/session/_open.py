"""``Cls.open(...)``: an async context manager over ``Cls.start(...)`` and its close.

:class:`Opener` gives ``Session.open`` and ``Fleet.open`` exactly the keyword arguments
of their ``start`` (one signature, written once): mypy checks a call against it (a
misspelt keyword is an error) and a call that does not fit raises ``TypeError`` at once,
before anything starts. Leaving the ``async with`` block closes what was started, even
on error.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

__all__ = ["Opener"]

P = ParamSpec("P")
T = TypeVar("T")


class Opener(Generic[P, T]):
    """A class attribute: ``open = Opener(start, close)`` (both defined above it)."""

    def __init__(
        self,
        start: Callable[Concatenate[Any, P], Coroutine[Any, Any, T]],
        close: Callable[[T], Awaitable[None]],
    ) -> None:
        self._start = start
        self._close = close

    def __get__(self, obj: object, owner: type) -> Callable[P, AbstractAsyncContextManager[T]]:
        start: Callable[P, Coroutine[Any, Any, T]] = self._start.__get__(None, owner)
        signature = inspect.signature(start)
        close = self._close

        @contextlib.asynccontextmanager
        async def opened(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
            started = await start(*args, **kwargs)
            try:
                yield started
            finally:
                await close(started)

        @functools.wraps(start)
        def open_(*args: P.args, **kwargs: P.kwargs) -> AbstractAsyncContextManager[T]:
            signature.bind(*args, **kwargs)  # TypeError now, naming the bad argument
            return opened(*args, **kwargs)

        open_.__name__, open_.__qualname__ = "open", f"{owner.__qualname__}.open"
        return open_
