"""A DashScope-compatible Wan image-to-video service on loopback, for tests, benchmarks and demo mode.

It follows ``shared/dashscope-contract.md``: the API under ``/api/v1/`` (create on the video-generation and
image2video paths, query, cancel, list, getPolicy) with the service's validation, error bodies and limits;
a fake OSS form endpoint for the temporary-upload flow; real H.264/AAC MP4 results behind signed,
expiring links with Range support; fault injection and a movable clock under ``/_sim/``.

Not modelled yet:
* regions and workspaces: every key works with every model, ``X-DashScope-WorkSpace`` is ignored, there is
  no wrong-region 401;
* content moderation (DataInspectionFailed, IPInfringementSuspect) and billing states (Arrearage, free
  quota) other than through injected faults;
* downloading external http(s) media: it is accepted and replaced by a generated placeholder picture
  (a tone for audio, a placeholder clip for video), so its format and size are not checked;
* the prompt: it does not change the picture; ``actual_prompt`` is a canned rewrite;
* multi-shot (``shot_type``), templates and lip-sync only pass validation: the video is a pan (or a
  cross-fade to the last frame) over the input picture;
* getPolicy's 100 QPS limit, the list/cancel rate limits, gzip responses, SDK-visible response headers
  such as ``req-cost-time``.
"""

from .server import DEMO_KEY, SimulatorServer

__all__ = ["DEMO_KEY", "SimulatorServer"]
