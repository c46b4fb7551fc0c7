"""Engine benchmark: N jobs against the simulator, one JSON line.

    python bench/engine.py [--jobs 100] [--time-scale 0.1]

Polling: the engine's status queries per job, against what the official SDK's ``wait()`` would send for
the same tasks (first query at once, then sleeps of 1, 1, 2, 2, 2, 4, 4, 4, 5, 5, ... s; contract 9.1),
each with its finish-to-disk latency (task end on the service → video verified in the library). Times are
reported in service seconds (simulator seconds ÷ time scale), so the figures read as for real tasks. Since
the SDK's latency differs from ours, ``sdk_requests_at_our_latency`` also gives what a fixed-interval poller
needs to match our latency (interval = 2 × our mean latency).

Download: the engine's download path (stream to .part, fsync, verify with PyAV, rename, thumbnail) against a
plain streaming read of the same URLs into a file, in the same process, as bytes per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.client import DashScopeClient
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.engine import Engine, EngineConfig
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore
from wan_desktop.simulator.server import SimulatorServer

KEY = "sk-bench"


def sdk_wait_schedule(duration: float) -> tuple[int, float]:
    """Queries the SDK's wait() sends for a task that ends ``duration`` s after submit, and how late it
    notices the end. First query right after the create, then the SDK's sleeps."""
    t, step, sleep, queries = 0.0, 0, 1.0, 1
    while t < duration:
        t += sleep
        queries += 1
        step += 1
        if step % 3 == 0:
            sleep = min(sleep * 2, 5.0)
    return queries, t - duration


def finished_job(engine: Engine, job_id: str) -> Job:
    """The job as saved, which the benchmark needs done (with both ends of its task recorded)."""
    job = engine.job(job_id)
    assert job is not None and job.state is JobState.DONE, (job_id, job and job.state)
    return job


def task_times(job: Job) -> tuple[datetime, datetime]:
    """When the create was sent and when the service says the task ended."""
    assert job.submit_started_at is not None and job.finished_at is not None, job.id
    return job.submit_started_at, job.finished_at


def run_jobs(root: Path, sim: SimulatorServer, jobs: int, scale: float) -> dict:
    image = root / "input.png"
    # noise compresses badly, so the videos are megabytes and the download figures measure bytes, not requests
    Image.effect_noise((832, 480), 60).convert("RGB").save(image)
    store = JobStore(root / "home" / "jobs.sqlite3")
    library = Library(root / "library")
    client = DashScopeClient(KEY, ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=sim.base_url))
    config = EngineConfig.for_service_clock(Region.CUSTOM, scale, idle_wait=0.05)
    done_at: dict[str, float] = {}
    seen_at: dict[str, float] = {}  # when a poll saw SUCCEEDED

    def listener(event):
        if event.job is not None and event.job.state is JobState.DONE:
            done_at[event.job.id] = time.time()
        if event.job is not None and event.job.state is JobState.SUCCEEDED:
            seen_at.setdefault(event.job.id, time.time())

    engine = Engine(store, library, client, config, listener=listener)
    request = GenerationRequest(
        model="wan2.6-i2v-flash",
        first_frame=str(image),
        prompt="bench",
        resolution="720P",
        duration=5,
        audio_enabled=False,
    )
    queued = engine.add_jobs([replace(request, seed=n) for n in range(jobs)])
    started = time.time()
    engine.run(threading.Event(), until_idle=True)
    wall = time.time() - started
    finished = [finished_job(engine, job.id) for job in queued]
    queries = [r for r in sim.requests() if r["method"] == "GET" and r["path"].startswith("/api/v1/tasks/")]
    ours_latency, local_seconds, sdk_queries, sdk_latency = [], [], [], []
    for job in finished:
        # noticing the end happens on the service's (scaled) clock; fetching and checking the file on ours
        submitted, ended = task_times(job)
        ours_latency.append((seen_at[job.id] - ended.timestamp()) / scale)
        local_seconds.append(done_at[job.id] - seen_at[job.id])
        task_seconds = (ended - submitted).total_seconds() / scale
        count, late = sdk_wait_schedule(task_seconds)
        sdk_queries.append(count)
        sdk_latency.append(late)
    client.close()
    store.close()
    ours_per_job = len(queries) / jobs
    our_mean_latency = statistics.mean(ours_latency)
    task_mean = statistics.mean((end - start).total_seconds() / scale for start, end in map(task_times, finished))
    return {
        "jobs": jobs,
        "wall_seconds": round(wall, 1),
        "mean_task_seconds": round(task_mean, 1),
        "queries_per_job": round(ours_per_job, 2),
        "sdk_wait_queries_per_job": round(statistics.mean(sdk_queries), 2),
        "queries_ratio_vs_sdk": round(ours_per_job / statistics.mean(sdk_queries), 3),
        "notice_seconds": round(our_mean_latency, 2),
        "sdk_notice_seconds": round(statistics.mean(sdk_latency), 2),
        "fetch_verify_thumbnail_seconds": round(statistics.mean(local_seconds), 3),
        "sdk_requests_at_our_latency": round(task_mean / max(2 * our_mean_latency, 1e-9) + 1, 2),
        "video_urls": [job.video_url for job in finished[:10]],
        "jobs_done": finished[:10],
    }


def download_throughput(root: Path, sim: SimulatorServer, jobs: list, repeats: int = 20) -> dict:
    """The engine's transfer step (client.download: stream to .part, fsync) against a plain httpx
    streaming read into a file, alternating, over the same URLs."""
    client = DashScopeClient(KEY, ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=sim.base_url))
    ours_bytes = ours_time = plain_bytes = plain_time = 0.0
    with httpx.Client() as plain:
        for _ in range(repeats):
            for job in jobs:
                target = root / "plain.mp4"
                start = time.perf_counter()
                with plain.stream("GET", job.video_url) as response, open(target, "wb") as out:
                    for chunk in response.iter_raw(256 * 1024):
                        out.write(chunk)
                plain_time += time.perf_counter() - start
                plain_bytes += target.stat().st_size
                target.unlink()
                part = root / "ours.mp4.part"
                start = time.perf_counter()
                result = client.download(job.video_url, part)
                ours_time += time.perf_counter() - start
                ours_bytes += result.bytes_written_total
                part.unlink()
    client.close()
    ours_rate, plain_rate = ours_bytes / ours_time, plain_bytes / plain_time
    return {
        "mean_video_kb": round(ours_bytes / (repeats * len(jobs)) / 1024, 1),
        "download_mb_per_s": round(ours_rate / 1e6, 1),
        "plain_read_mb_per_s": round(plain_rate / 1e6, 1),
        "download_ratio_vs_plain": round(ours_rate / plain_rate, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100)
    # 0.1: tasks take 6-30 s, slow enough that the service's 20 queries/s (real seconds) never bind
    parser.add_argument("--time-scale", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wan-bench-") as tmp:
        root = Path(tmp)
        with SimulatorServer(api_keys=[KEY], time_scale=args.time_scale, data_dir=root / "sim") as sim:
            polling = run_jobs(root, sim, args.jobs, args.time_scale)
            sample = polling.pop("jobs_done")
            polling.pop("video_urls")
            polling.update(download_throughput(root, sim, sample))
    print(json.dumps(polling))


if __name__ == "__main__":
    main()
