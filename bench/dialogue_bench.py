"""Live dialogue broadcast benchmark: N viewers of one dialogue on 2 daphne processes sharing
Redis, an official answering at a fixed rate, latency from send to each viewer's receipt.

Starts and stops its own servers on 127.0.0.1 (file SQLite in a temporary directory, Redis at
REDIS_URL or redis://127.0.0.1:6379/0). Clients run in 2 processes on the same machine. The last
line of output is one JSON object. A benchmark, not a test.

    .venv/bin/python bench/dialogue_bench.py [--viewers 1000] [--rate 5] [--seconds 10] [--big 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.interaction.dialogue import servers  # noqa: E402


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- client process: N viewers ------------------------------------------------------------------


async def client_main(
    ports: list[int], dialogue: int, count: int, offset: int, expect: int, timeout: float
) -> None:
    import websockets

    received: list[list[tuple[int, float, float]]] = [[] for _ in range(count)]
    sockets: list = [None] * count
    sem = asyncio.Semaphore(50)

    async def connect(i: int) -> None:
        port = ports[(offset + i) % len(ports)]
        async with sem:
            error: Exception | None = None
            for attempt in range(10):
                try:
                    sockets[i] = await websockets.connect(
                        f"ws://127.0.0.1:{port}/ws/dialogues/{dialogue}/",
                        origin=f"http://127.0.0.1:{port}",
                        open_timeout=30,
                        ping_interval=None,
                        max_queue=None,
                    )
                    await sockets[i].recv()  # hello
                    return
                except Exception as exc:
                    error = exc
                    await asyncio.sleep(0.2 * (attempt + 1))
            raise RuntimeError(f"could not connect: {error!r}")

    async def listen(i: int) -> None:
        ws = sockets[i]
        got = received[i]
        async for raw in ws:
            now = time.time()
            frame = json.loads(raw)
            if frame.get("type") == "event" and frame.get("kind") == "answer.posted":
                sent = float(frame["data"]["body"].split("=", 1)[1])
                got.append((frame["seq"], sent, now))
                if len(got) >= expect:
                    return

    await asyncio.gather(*(connect(i) for i in range(count)))
    print("READY", flush=True)
    tasks = [asyncio.create_task(listen(i)) for i in range(count)]
    await asyncio.wait(tasks, timeout=timeout)
    latencies = []
    lost = dup = 0
    for got in received:
        seqs = [s for s, _sent, _now in got]
        dup += len(seqs) - len(set(seqs))
        lost += max(0, expect - len(set(seqs)))
        latencies += [round((now - sent) * 1000, 2) for _s, sent, now in got]
    print(json.dumps({"latencies": latencies, "lost": lost, "duplicated": dup}), flush=True)
    for ws in sockets:
        if ws is not None:
            await ws.close()


# --- coordinator --------------------------------------------------------------------------------


async def _official(
    port: int, dialogue: int, sessions: dict[str, str], rate: float, seconds: float
) -> int:
    import websockets

    def conn(session: str):
        return websockets.connect(
            f"ws://127.0.0.1:{port}/ws/dialogues/{dialogue}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={session}"},
            ping_interval=None,
        )

    async def until(ws, kind: str) -> dict:
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") in ("ack", "error") and kind in ("ack", "error"):
                assert frame["type"] == "ack", frame
                return frame

    async with (
        conn(sessions["citizen"]) as citizen,
        conn(sessions["moderator"]) as moderator,
        conn(sessions["official"]) as official,
    ):
        await citizen.send(json.dumps({"op": "ask", "body": "基准测试问题", "ref": "q"}))
        qid = (await until(citizen, "ack"))["id"]
        await moderator.send(json.dumps({"op": "approve", "question": qid, "ref": "a"}))
        await until(moderator, "ack")
        await asyncio.sleep(1.0)

        async def drain() -> None:
            async for _raw in official:
                pass

        drainer = asyncio.create_task(drain())
        n = int(rate * seconds)
        start = time.monotonic()
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            await official.send(
                json.dumps({"op": "answer", "question": qid, "body": f"t={time.time():.6f}"})
            )
        await asyncio.sleep(0.5)
        drainer.cancel()
        return n


def run(viewers: int, rate: float, seconds: float, redis_url: str) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="dialogue-bench-"))
    env = servers.server_env(
        f"sqlite:///{tmp / 'bench.sqlite3'}", redis_url, f"bench{uuid.uuid4().hex[:8]}"
    )
    env["WENZHENG_DIALOGUE_FRAME_BURST"] = "10"
    servers.migrate(env)
    seeded = servers.seed(env)
    ports = [servers.free_port(), servers.free_port()]
    procs = [servers.start_daphne(env, p, tmp / f"daphne{i}.log") for i, p in enumerate(ports)]
    clients: list[subprocess.Popen[str]] = []
    try:
        time.sleep(1.0)
        base_rss = [rss_kb(p.pid) for p in procs]
        expect = int(rate * seconds)
        half = viewers // 2
        for k, count in enumerate((half, viewers - half)):
            clients.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--client",
                        json.dumps(
                            {
                                "ports": ports,
                                "dialogue": seeded["dialogue"],
                                "count": count,
                                "offset": k,
                                "expect": expect,
                                "timeout": seconds + 60,
                            }
                        ),
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
            )
        for c in clients:
            line = c.stdout.readline().strip() if c.stdout else ""
            if line != "READY":
                raise RuntimeError(f"client failed to connect: {line!r}")
        time.sleep(3.0)  # idle: presence settles
        idle_rss = [rss_kb(p.pid) for p in procs]
        idle_kb = (sum(idle_rss) - sum(base_rss)) / viewers
        asyncio.run(_official(ports[0], seeded["dialogue"], seeded, rate, seconds))
        latencies: list[float] = []
        lost = dup = 0
        for c in clients:
            out, _ = c.communicate(timeout=seconds + 120)
            result = json.loads(out.strip().splitlines()[-1])
            latencies += result["latencies"]
            lost += result["lost"]
            dup += result["duplicated"]
        latencies.sort()
        q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        return {
            "viewers": viewers,
            "answers_per_s": rate,
            "answers": expect,
            "p50_ms": round(q[49], 1),
            "p99_ms": round(q[98], 1),
            "max_ms": round(latencies[-1], 1) if latencies else None,
            "lost": lost,
            "duplicated": dup,
            "idle_kb_per_connection": round(idle_kb, 1),
        }
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
        servers.stop(procs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client")
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--big", type=int, default=5000, help="second run's viewers (0: skip)")
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    if args.client:
        c = json.loads(args.client)
        asyncio.run(
            client_main(
                c["ports"], c["dialogue"], c["count"], c["offset"], c["expect"], c["timeout"]
            )
        )
        return
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    result = run(args.viewers, args.rate, args.seconds, redis_url)
    print(f"{args.viewers} viewers: {result}", flush=True)
    if args.big:
        big = run(args.big, args.rate, args.seconds, redis_url)
        print(f"{args.big} viewers: {big}", flush=True)
        result["viewers_5000"] = big
    print(json.dumps(result))


if __name__ == "__main__":
    main()
