"""Video probing, verification and frames, on small MP4s encoded here with PyAV (libx264)."""

from __future__ import annotations

import array
import math
import re
from fractions import Fraction

import av
import pytest
from PIL import Image

from wan_desktop.core.media import (
    MediaError,
    VideoInfo,
    extract_frame,
    extract_frames,
    make_thumbnail,
    probe_audio_seconds,
    probe_video,
    verify_video,
)

FPS = 30


def encode_video(path, seconds=1.0, size=(64, 64), audio=False, faststart=False, gop=None):
    """Each frame is a flat grey whose brightness grows with time, so a frame tells where it came from."""
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if gop:
            stream.codec_context.gop_size = gop
        audio_stream = container.add_stream("aac", rate=44100) if audio else None
        frames = round(seconds * FPS)
        for index in range(frames):
            level = int(20 + 200 * index / max(1, frames - 1))
            frame = av.VideoFrame.from_image(Image.new("RGB", size, (level, level, level)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if audio_stream is not None:
            _encode_tone(container, audio_stream, seconds)
    return path


def _encode_tone(container, stream, seconds):
    rate, chunk = 44100, 1024
    total = int(rate * seconds)
    pts = 0
    while pts < total:
        count = min(chunk, total - pts)
        samples = array.array("h", (int(6000 * math.sin(2 * math.pi * 440 * (n + pts) / rate)) for n in range(count)))
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.planes[0].update(samples.tobytes())
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            container.mux(packet)
        pts += count
    for packet in stream.encode():
        container.mux(packet)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    return {
        "plain": encode_video(folder / "plain.mp4", seconds=2.0),
        "sound": encode_video(folder / "sound.mp4", seconds=1.0, audio=True),
        "fast": encode_video(folder / "fast.mp4", seconds=2.0, faststart=True, gop=10),
        "wide": encode_video(folder / "wide.mp4", seconds=1.0, size=(128, 64)),
    }


def grey(picture: Image.Image) -> int:
    return picture.convert("L").getpixel((picture.width // 2, picture.height // 2))


def test_probe_reads_the_shape(videos):
    info = probe_video(videos["plain"])
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height, info.codec, info.has_audio) == (64, 64, "h264", False)
    assert info.fps == pytest.approx(30)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.frame_count == 60


def test_probe_sees_the_sound(videos):
    assert probe_video(videos["sound"]).has_audio


def test_probe_of_text_is_a_media_error_in_words(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all")
    with pytest.raises(MediaError, match=re.escape("'notes.mp4' is not a video or sound file")):
        probe_video(path)


def test_probe_of_a_missing_file(tmp_path):
    with pytest.raises(MediaError, match="could not be found"):
        probe_video(tmp_path / "gone.mp4")


def test_a_picture_is_not_a_video(tmp_path):
    path = tmp_path / "still.png"
    Image.new("RGB", (32, 32)).save(path)
    # FFmpeg reads a PNG as a one-frame video; what matters is that it is not mistaken for the download
    info = probe_video(path)
    assert info.frame_count <= 1


def test_verify_accepts_a_good_download(videos):
    size = videos["plain"].stat().st_size
    info = verify_video(videos["plain"], expected_bytes=size, expected_duration=2.0)
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_verify_refuses_a_wrong_size(videos):
    size = videos["plain"].stat().st_size
    with pytest.raises(MediaError, match=f"incomplete: {size:,} of {size + 10:,} bytes"):
        verify_video(videos["plain"], expected_bytes=size + 10)


def test_verify_refuses_a_wrong_duration(videos):
    with pytest.raises(MediaError, match=re.escape("lasts 2.0 s but 5 s were expected")):
        verify_video(videos["plain"], expected_duration=5)


@pytest.mark.parametrize("name", ["plain", "fast"])
@pytest.mark.parametrize("kept", [0.3, 0.9, 0.999])
def test_verify_refuses_a_truncated_file(videos, tmp_path, name, kept):
    """Without faststart the index is at the end and goes missing; with it, the last frames go missing.
    Even four missing bytes at the end must fail, although FFmpeg would still play that file."""
    data = videos[name].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * kept)])
    with pytest.raises(MediaError, match=r"'cut\.mp4' is cut short: [0-9,]+ bytes of it are missing"):
        verify_video(cut)


def test_verify_refuses_a_video_whose_end_does_not_decode(videos, tmp_path):
    """Same length, but the last part is garbage: the decoder, not the box check, must catch it."""
    data = bytearray(videos["fast"].read_bytes())  # faststart: the frames are the file's tail
    tail = len(data) // 3
    data[-tail:] = bytes([0xFF]) * tail
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    with pytest.raises(MediaError, match=re.escape("'broken.mp4' is damaged")):
        verify_video(broken)


def test_thumbnail_is_a_small_jpeg(videos, tmp_path):
    dest = make_thumbnail(videos["wide"], tmp_path / "thumbs" / "wide.jpg", max_side=32)
    assert dest == tmp_path / "thumbs" / "wide.jpg"
    with Image.open(dest) as image:
        assert image.format == "JPEG" and image.size == (32, 16)
    assert [p.name for p in dest.parent.iterdir()] == ["wide.jpg"]  # no temp file left behind


def test_thumbnail_past_the_end_uses_the_last_picture(videos, tmp_path):
    dest = make_thumbnail(videos["plain"], tmp_path / "t.jpg", at_seconds=99)
    with Image.open(dest) as image:
        assert grey(image) > 180


def test_last_frame_is_the_last_one_at_full_size(videos, tmp_path):
    dest = extract_frame(videos["plain"], tmp_path / "last.png")
    with Image.open(dest) as image:
        assert image.format == "PNG" and image.size == (64, 64)
        assert grey(image) == pytest.approx(220, abs=8)


def test_frame_at_a_time(videos, tmp_path):
    with Image.open(extract_frame(videos["plain"], tmp_path / "first.png", at_seconds=0)) as first:
        assert grey(first) == pytest.approx(20, abs=8)
    with Image.open(extract_frame(videos["fast"], tmp_path / "mid.png", at_seconds=1.0)) as middle:
        assert grey(middle) == pytest.approx(20 + 200 * 30 / 59, abs=10)


def test_evenly_spaced_frames_grow_brighter(videos):
    pictures = extract_frames(videos["fast"], 4, max_side=16)
    assert len(pictures) == 4
    assert all(picture.size == (16, 16) for picture in pictures)
    levels = [grey(picture) for picture in pictures]
    assert levels == sorted(levels) and levels[-1] - levels[0] > 100
    assert extract_frames(videos["fast"], 0, 16) == []


def test_audio_seconds(videos, tmp_path):
    assert probe_audio_seconds(videos["sound"]) == pytest.approx(1.0, abs=0.1)
    with pytest.raises(MediaError, match="no sound"):
        probe_audio_seconds(videos["plain"])


def test_audio_seconds_of_a_wav(tmp_path):
    import wave

    path = tmp_path / "voice.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000 * 3)
    assert probe_audio_seconds(path) == pytest.approx(3.0, abs=0.01)
