"""Request body size limit, enforced before anything parses the body.

FastAPI reads a whole JSON body into memory before validation, so without a
limit a single huge request could exhaust the server's memory. Declared sizes
(Content-Length) are refused up front; streamed bodies are counted as they
arrive and cut off at the limit.
"""

from __future__ import annotations

import json

MAX_BODY_BYTES = 20 * 1024 * 1024  # documents and records; larger data belongs in batches


class BodySizeLimit:
    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await self._reject(send)
                    return
        seen = 0
        too_large = False

        async def counted_receive():
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    # Present an empty, finished body; the response below replaces the app's.
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        started = False

        async def guarded_send(message):
            nonlocal started
            if too_large:
                if not started:
                    started = True
                    await self._reject(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, guarded_send)

    async def _reject(self, send) -> None:
        body = json.dumps({"error": "PayloadTooLarge", "args": {"max_bytes": self.max_bytes}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
