"""An open-loop HTTP load generator: requests leave on a fixed schedule, whatever the server does.

wrk measures throughput but is closed-loop (a connection waits for its answer before sending again), so a slow
server silently receives fewer requests and its latency looks better than users would see it ("coordinated
omission"). Here the i-th request is due at start + i/rate; each is sent on its own connection (gunicorn's sync
workers close the connection after every answer anyway) and its latency counts from when it was due. No packaged
open-loop tool (wrk2, vegeta) is available from the registries this project may use, hence these few lines.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Request:
    method: str
    path: str
    body: str
    headers: dict[str, str]

    def encode(self, host: str) -> bytes:
        body = self.body.encode()
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        if body:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@dataclass
class Figures:
    sent: int
    errors: int
    codes: dict[int, int]  # the errors by HTTP status; 0 for a connection that failed or timed out
    p50: float
    p99: float
    max: float
    # How late this client itself sent its requests (p99, ms): when it is not small, the client — sharing the two
    # cores with the server — was the bottleneck, and the latencies above include its own delay.
    send_lag_p99: float = 0.0


async def _one(
    host: str, port: int, payload: bytes, due: float, latencies: list[float], errors: list[int], lags: list[float]
) -> None:
    loop = asyncio.get_running_loop()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        lags.append((loop.time() - due) * 1000)
        writer.write(payload)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
        await asyncio.wait_for(reader.read(), 10)  # the server closes the connection after the body
        writer.close()
        code = int(status.split()[1])
        if not 200 <= code < 400:
            errors.append(code)
    except (TimeoutError, OSError, IndexError, ValueError):
        errors.append(0)
    latencies.append((loop.time() - due) * 1000)


async def run_open_loop(host: str, port: int, make: Callable[[int], Request], rate: int, seconds: int) -> Figures:
    """Send rate × seconds requests on schedule; latency in ms from each request's due time."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors: list[int] = []
    lags: list[float] = []
    pending = []
    start = loop.time() + 0.1
    for i in range(rate * seconds):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = make(i).encode(f"{host}:{port}")
        pending.append(asyncio.create_task(_one(host, port, payload, due, latencies, errors, lags)))
    await asyncio.gather(*pending)
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    codes = dict(collections.Counter(errors))
    lags.sort()
    return Figures(
        sent=len(latencies),
        errors=len(errors),
        codes=codes,
        p50=pct(0.50),
        p99=pct(0.99),
        max=latencies[-1],
        send_lag_p99=lags[min(len(lags) - 1, int(0.99 * len(lags)))] if lags else 0.0,
    )
