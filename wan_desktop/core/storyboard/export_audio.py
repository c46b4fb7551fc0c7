"""The film's sound track: each take's own sound, or silence of its length, re-encoded to AAC so every seam
stays in sync with the pictures (a take's sound is cut or padded to its picture's length)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av

RATE = 44100
LAYOUT = "stereo"
FORMAT = "fltp"


class AudioTrack:
    def __init__(self, out: Any) -> None:
        self.out = out
        self.stream = out.add_stream("aac", rate=RATE, layout=LAYOUT)
        self.fifo = av.AudioFifo()
        self.written = 0  # samples handed to the encoder
        self.target = Fraction(0)  # seconds of sound the film should have so far

    def add(self, source: Any | None, seconds: Fraction) -> None:
        """The sound of one take (``source`` is its open container, None for a silent take)."""
        self.target += seconds
        wanted = round(self.target * RATE) - self.written - self.fifo.samples
        if source is not None and source.streams.audio:
            resampler = av.AudioResampler(format=FORMAT, layout=LAYOUT, rate=RATE)
            source.seek(0)
            for frame in source.decode(source.streams.audio[0]):
                for part in resampler.resample(frame):
                    wanted = self._push(part, wanted)
            for part in resampler.resample(None):
                wanted = self._push(part, wanted)
        if wanted > 0:
            self._push(_silence(wanted), wanted)
        self._drain(final=False)

    def _push(self, frame: Any, wanted: int) -> int:
        if wanted <= 0:
            return 0
        if frame.samples > wanted:
            frame = _trimmed(frame, wanted)
        frame.pts = None
        self.fifo.write(frame)
        return wanted - frame.samples

    def _drain(self, *, final: bool) -> None:
        size = self.stream.codec_context.frame_size or 1024
        while self.fifo.samples >= size or (final and self.fifo.samples):
            frame = self.fifo.read(min(size, self.fifo.samples))
            if frame is None:
                return
            frame.pts = self.written
            frame.time_base = Fraction(1, RATE)
            self.written += frame.samples
            for packet in self.stream.encode(frame):
                self.out.mux(packet)

    def finish(self) -> None:
        self._drain(final=True)
        for packet in self.stream.encode(None):
            self.out.mux(packet)


def _silence(samples: int) -> Any:
    frame = av.AudioFrame(format=FORMAT, layout=LAYOUT, samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = RATE
    return frame


def _trimmed(frame: Any, samples: int) -> Any:
    fifo = av.AudioFifo()
    frame.pts = None
    fifo.write(frame)
    return fifo.read(samples)
