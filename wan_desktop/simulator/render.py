"""Real MP4s for simulated tasks: H.264 (libx264 ultrafast, yuv420p), 30 fps, exactly ``30 * duration``
frames at the full output size, plus an AAC track when the job has sound.

The picture is the input image slowly panning across a slightly enlarged copy (a pan costs one crop per
frame, which keeps a 720P 5 s clip at about a second on one core); a first+last-frame job cross-fades
from the first to the last image while panning. Files are cached by a hash of everything that shapes
them, so a hundred identical benchmark jobs encode once.
"""

from __future__ import annotations

import array
import hashlib
import io
import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageOps

FPS = 30
SAMPLE_RATE = 44100
_TONE_HZ = 441  # a whole number of cycles per second, so one second of samples loops seamlessly


@dataclass(frozen=True)
class RenderSpec:
    """Everything that decides the bytes of one output file."""

    first: bytes  # an encoded image (PNG/JPEG/...): the first picture
    width: int
    height: int
    duration: int
    last: bytes | None = None  # an encoded image to end on (first+last-frame jobs)
    audio: bytes | None = None  # encoded audio whose samples become the sound track
    tone: bool = False  # a sound track with a plain tone (used when audio is None)
    watermark: bool = False

    def cache_key(self) -> str:
        digest = hashlib.sha256()
        for part in (self.first, self.last or b"", self.audio or b""):
            digest.update(hashlib.sha256(part).digest())
        digest.update(f"{self.width}x{self.height}/{self.duration}/{self.tone}/{self.watermark}".encode())
        return digest.hexdigest()

    @property
    def has_audio(self) -> bool:
        return self.tone or self.audio is not None


def placeholder_image(seed: str, width: int = 1280, height: int = 720) -> bytes:
    """A deterministic picture standing in for media the simulator cannot download (PNG bytes)."""
    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.new("RGB", (width, height), (digest[0], digest[1], digest[2]))
    draw = ImageDraw.Draw(image)
    for i in range(8):
        x, y = digest[3 + i] * width // 256, digest[11 + i] * height // 256
        size = 40 + digest[19 + i] % 160
        colour = (digest[(i * 3) % 32], digest[(i * 3 + 1) % 32], digest[(i * 3 + 2) % 32])
        draw.ellipse((x - size, y - size, x + size, y + size), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _cover(data: bytes, width: int, height: int) -> Image.Image:
    """The image scaled and cropped to fill width x height."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        return ImageOps.fit(image, (width, height), Image.Resampling.BILINEAR)


def _watermark(width: int, height: int) -> tuple[Image.Image, tuple[int, int]]:
    label = Image.new("L", (max(width // 8, 48), max(height // 20, 16)), 40)
    ImageDraw.Draw(label).text((4, 2), "AI generated", fill=235)
    return label, (width - label.width - 8, height - label.height - 8)


def _planes(data: bytes, width: int, height: int) -> tuple[Image.Image, Image.Image, Image.Image]:
    """Luma at full size and both chroma planes at half size: yuv420p, prepared once per clip."""
    luma, blue, red = _cover(data, width, height).convert("YCbCr").split()
    half = (width // 2, height // 2)
    return luma, blue.resize(half, Image.Resampling.BILINEAR), red.resize(half, Image.Resampling.BILINEAR)


def _frames(spec: RenderSpec):
    """yuv420p frames, built plane by plane from crops (no per-frame colour conversion: that is the
    expensive part at 1080P)."""
    count = FPS * spec.duration
    pad_x, pad_y = max(spec.width // 16, 2) // 2 * 2, max(spec.height // 16, 2) // 2 * 2
    big_w, big_h = spec.width + pad_x, spec.height + pad_y
    first = _planes(spec.first, big_w, big_h)
    last = _planes(spec.last, big_w, big_h) if spec.last is not None else None
    mark = _watermark(spec.width, spec.height) if spec.watermark else None
    for index in range(count):
        t = index / max(count - 1, 1)
        x, y = round(pad_x * t / 2) * 2, round(pad_y * t / 2) * 2  # even, so chroma stays aligned
        frame = av.VideoFrame(spec.width, spec.height, "yuv420p")
        for number, plane in enumerate(frame.planes):
            scale = 1 if number == 0 else 2
            # Crop exactly the plane's line size wide (PIL pads beyond the edge), so bytes map 1:1 to rows.
            box = (x // scale, y // scale, x // scale + plane.line_size, (y + spec.height) // scale)
            part = first[number].crop(box)
            if last is not None:
                part = Image.blend(part, last[number].crop(box), t)
            if number == 0 and mark is not None:
                part.paste(*mark)
            plane.update(part.tobytes())
        yield frame


def _decoded_samples(data: bytes) -> array.array:
    """Mono float samples at SAMPLE_RATE of any audio PyAV can read."""
    samples = array.array("f")
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE)
    with av.open(io.BytesIO(data), mode="r") as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                samples.frombytes(bytes(out.planes[0])[: out.samples * 4])
    return samples


def _sound(spec: RenderSpec) -> array.array:
    total = SAMPLE_RATE * spec.duration
    if spec.audio is not None:
        samples = _decoded_samples(spec.audio)[:total]  # longer audio is cut, shorter ends in silence
        samples.extend(array.array("f", bytes(4 * (total - len(samples)))))
        return samples
    second = array.array("f", (0.2 * math.sin(2 * math.pi * _TONE_HZ * i / SAMPLE_RATE) for i in range(SAMPLE_RATE)))
    return second * spec.duration


class RenderAborted(Exception):
    """The simulator is stopping; the half-written file is thrown away."""


def render_mp4(spec: RenderSpec, path: Path, abort: threading.Event | None = None) -> None:
    """Encode the clip to ``path`` (written to a temporary name first, so a reader never sees half a file).
    Setting ``abort`` stops the encoding between frames, so stopping the simulator never waits for a clip."""
    partial = path.with_suffix(".part")
    try:
        _encode(spec, partial, abort)
    except RenderAborted:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)


def _encode(spec: RenderSpec, partial: Path, abort: threading.Event | None) -> None:
    with av.open(str(partial), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = spec.width, spec.height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "38"}
        audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono") if spec.has_audio else None
        for frame in _frames(spec):
            if abort is not None and abort.is_set():
                raise RenderAborted()
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if audio is not None:
            _encode_audio(container, audio, _sound(spec))


def _encode_audio(container, stream, samples: array.array) -> None:
    for start in range(0, len(samples), 1024):
        chunk = samples[start : start + 1024]
        frame = av.AudioFrame(format="fltp", layout="mono", samples=len(chunk))
        frame.planes[0].update(chunk.tobytes())
        frame.sample_rate, frame.pts = SAMPLE_RATE, start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


class Renderer:
    """A small worker pool that renders each distinct clip once and hands out the cached file."""

    def __init__(self, directory: Path, workers: int = 2) -> None:
        self._directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wan-sim-render")
        self._lock = threading.Lock()
        self._jobs: dict[str, Future] = {}
        self._abort = threading.Event()

    def submit(self, spec: RenderSpec) -> Future:
        """A future whose result is the path of the finished MP4 (shared by identical specs)."""
        key = spec.cache_key()
        with self._lock:
            job = self._jobs.get(key)
            if job is None or (job.done() and job.exception() is not None):
                job = self._pool.submit(self._render, spec, self._directory / f"{key}.mp4", self._abort)
                self._jobs[key] = job
            return job

    @staticmethod
    def _render(spec: RenderSpec, path: Path, abort: threading.Event) -> Path:
        if not path.exists():
            render_mp4(spec, path, abort)
        return path

    def shutdown(self) -> None:
        self._abort.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
