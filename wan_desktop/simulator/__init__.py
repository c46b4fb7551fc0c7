"""A DashScope-compatible Wan image-to-video service on loopback, for tests, benchmarks and demo mode.

It follows ``shared/dashscope-contract.md``: the API under ``/api/v1/`` (create on the video-generation and
image2video paths, query, cancel, list, getPolicy) with the service's validation, error bodies and limits;
a fake OSS form endpoint for the temporary-upload flow; real H.264/AAC MP4 results behind signed,
expiring links with Range support; fault injection and a movable clock under ``/_sim/``.

Layout: ``service.py`` is the service with no HTTP (plain calls on the parsed inputs of ``views.py``,
frozen results, ``ApiError`` for refusals), testable without sockets; ``routes.py`` parses requests,
calls it and replies in the formats of ``wire.py``; ``links.py`` signs result links, ``downloads.py``
serves them, ``faults.py`` says which faults exist; ``server.py`` starts and stops it all.

Choices where the contract is unsure (section 11), stricter where it could be:
* a negative prompt over 500 characters is cut to 500, as the API reference says (``truncate_negative_prompt=
  False`` refuses it); ``size``/``ratio`` parameters and images with an alpha channel are refused;
* more tasks in flight than the model's cap is a 429 ``Throttling.RateQuota`` at create (not queueing);
* task times are Beijing time (UTC+8), as in the CN examples; list ``start_time``/``end_time`` are read
  in Beijing time too; list pages hold at most 100 and the list answers ``data`` (real capture, epoch ms)
  plus ``tasks`` (what SDK v2 parses, with string times);
* cancel of an unknown task is the same 400 ``UnsupportedOperation`` as cancel of a non-PENDING one;
* upload policies expire after 300 s of simulator clock, unscaled (a handshake deadline);
* a picture within 3% of a tier's own shape gets the tier's exact size (16:9 at 1080P: 1920x1080, as the
  docs list it); other shapes get the tier's pixel count with sides rounded down to multiples of 16.

Timing: queueing 2-20 s, generation 1-5 min in all (random, seeded by the task id), task and link
lifetime 24 h, uploads 48 h; all multiplied by the time scale except the policy deadline. A task turns
SUCCEEDED only once its MP4 is rendered (a worker pool started with the server).

Media-array models (Wan 3.0, wan2.7 r2v/videoedit/t2v; ``media_array.py``): the catalog's role rules are
checked by the app's own checker, so the simulator and the app give the same verdicts (tests/media_cases.py);
frames mixed with references make a task that FAILS with the documented message, other violations a 400
``InvalidParameter``; ``duration: -1`` lets the simulator choose (longer prompts, longer videos), ratios give
their listed sizes, Wan 3.0's ``usage`` has float durations, ``fps`` and the resolved ``ratio``; an external
clip or audio stands in for ``#seconds=N`` of its URL. The workspace-host form of the base URL is
``/ws/{WorkspaceId}/{region}/api/v1`` on loopback (or that host in the Host header).

Not modelled yet:
* regions and workspaces: every key works with every model and workspace, ``X-DashScope-WorkSpace`` is
  ignored, there is no wrong-region 401, and no model demands a workspace host;
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

from .server import SimulatorServer

__all__ = ["SimulatorServer"]
