"""Input image checks and fixes, on real files written with Pillow."""

from __future__ import annotations

import io
import os
import random

import pytest
from PIL import Image

from wan_desktop.core.dashscope.catalog import MODELS, ImageLimits
from wan_desktop.core.images import (
    ImageIssue,
    fitted_size,
    fix_image,
    inspect_image,
    inspect_image_bytes,
    save_image_bytes,
)

# Small bounds keep the pictures (and the test) small; the logic is the same as for 240..8000.
LIMITS = ImageLimits(min_side=40, max_side=200, max_bytes=200 * 1024)


def write(path, size=(100, 80), mode="RGB", fmt=None, colour=None, **save):
    image = Image.new(mode, size, colour if colour is not None else _default_colour(mode))
    image.save(path, format=fmt, **save)
    return path


def _default_colour(mode):
    return {"RGB": (200, 40, 40), "RGBA": (200, 40, 40, 128), "L": 128, "LA": (128, 100), "CMYK": (0, 50, 50, 0)}[mode]


def noisy(size, seed=1):
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3)))


def with_orientation(path, size, orientation):
    image = Image.new("RGB", size, (10, 200, 10))
    # a red stripe at the top of the stored pixels shows where the rotation put it
    image.paste((255, 0, 0), (0, 0, size[0], 5))
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def test_a_good_jpeg_passes(tmp_path):
    report = inspect_image(write(tmp_path / "good.jpg", (120, 90)), LIMITS)
    assert report.ok and report.fixable
    assert (report.width, report.height, report.format) == (120, 90, "JPEG")
    assert report.byte_size == (tmp_path / "good.jpg").stat().st_size
    assert report.messages == ()


def test_a_text_file_is_not_an_image_and_cannot_be_fixed(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    report = inspect_image(path, MODELS["wan2.6-i2v"].image_limits)
    assert report.issues == (ImageIssue.NOT_AN_IMAGE,)
    assert report.messages == ("'notes.txt' is not an image Wan can use (JPEG, PNG, BMP or WEBP).",)
    assert not report.ok and not report.fixable
    with pytest.raises(ValueError, match="not an image"):
        fix_image(path, LIMITS, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_file_and_folder_are_reported_not_raised(tmp_path):
    missing = inspect_image(tmp_path / "gone.png", LIMITS)
    assert missing.issues == (ImageIssue.NOT_AN_IMAGE,)
    assert "could not be found" in missing.messages[0]
    folder = inspect_image(tmp_path, LIMITS)
    assert "folder" in folder.messages[0]


def test_a_truncated_png_is_not_an_image(tmp_path):
    good = tmp_path / "full.png"
    noisy((120, 120)).save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    report = inspect_image(cut, LIMITS)
    assert report.issues == (ImageIssue.NOT_AN_IMAGE,)


def test_too_small_message_names_the_numbers(tmp_path):
    limits = MODELS["wan2.6-i2v"].image_limits
    report = inspect_image(write(tmp_path / "tiny.png", (180, 120)), limits)
    assert report.issues == (ImageIssue.TOO_SMALL,)
    assert report.messages == ("The image is 180×120 pixels; this model needs at least 240 pixels on each side.",)
    assert report.fixable


def test_too_small_is_enlarged_keeping_the_shape(tmp_path):
    source = write(tmp_path / "tiny.png", (30, 20))
    before = source.read_bytes()
    fix = fix_image(source, LIMITS, tmp_path / "fixed")
    assert fix.changes == ("Enlarged from 30×20 to 60×40 pixels",)
    assert fix.path.parent == tmp_path / "fixed" and fix.path.suffix == ".png"
    assert source.read_bytes() == before  # the original is never touched
    assert inspect_image(fix.path, LIMITS).ok


def test_too_large_is_scaled_down(tmp_path):
    source = write(tmp_path / "big.jpg", (450, 300))
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.TOO_LARGE_PIXELS,)
    assert report.messages == ("The image is 450×300 pixels; this model accepts at most 200 pixels on each side.",)
    fix = fix_image(source, LIMITS, tmp_path)
    assert fix.changes == ("Scaled from 450×300 to 200×133 pixels",)
    assert fix.path.name == "big-fixed.jpg"
    with Image.open(fix.path) as image:
        assert image.size == (200, 133) and image.format == "JPEG"


def test_the_documented_example_sizes():
    limits = ImageLimits()
    assert fitted_size(9000, 6000, limits) == (8000, 5333)
    assert fitted_size(180, 120, limits) == (360, 240)
    assert fitted_size(1000, 700, limits) == (1000, 700)
    assert fitted_size(100, 9000, limits) is None  # no scale satisfies both bounds


def test_too_long_and_thin_needs_cropping(tmp_path):
    report = inspect_image(write(tmp_path / "strip.png", (30, 300)), LIMITS)
    assert ImageIssue.BAD_ASPECT in report.issues
    assert not report.fixable
    with pytest.raises(ValueError, match="Crop"):
        fix_image(tmp_path / "strip.png", LIMITS, tmp_path / "out")


def test_aspect_bounds_of_wan27(tmp_path):
    limits = ImageLimits(min_side=10, max_side=2000, min_aspect=1 / 8, max_aspect=8.0)
    report = inspect_image(write(tmp_path / "wide.png", (900, 100)), limits)
    assert report.issues == (ImageIssue.BAD_ASPECT,)
    assert report.messages[0].startswith("The image is 900×100 pixels (9:1); this model accepts shapes from 1:8 to 8:1")
    assert not report.fixable


def test_alpha_is_flattened_onto_white(tmp_path):
    source = tmp_path / "logo.png"
    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 30, 60))
    image.save(source)
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.HAS_ALPHA,) and report.has_alpha
    fix = fix_image(source, LIMITS, tmp_path / "fixed")
    assert fix.changes == ("Flattened transparency onto white",)
    with Image.open(fix.path) as out:
        assert out.mode == "RGB"
        assert out.getpixel((50, 30)) == (255, 255, 255)  # was transparent
        assert out.getpixel((10, 30)) == (0, 0, 255)
    assert inspect_image(fix.path, LIMITS).ok


def test_palette_transparency_counts_as_alpha(tmp_path):
    source = tmp_path / "anim.gif"
    Image.new("P", (60, 60), 0).save(source, transparency=0)
    report = inspect_image(source, LIMITS)
    assert ImageIssue.HAS_ALPHA in report.issues
    assert ImageIssue.UNSUPPORTED_FORMAT in report.issues


def test_alpha_allowed_by_limits_is_not_an_issue(tmp_path):
    limits = ImageLimits(min_side=40, max_side=200, alpha_allowed=True)
    assert inspect_image(write(tmp_path / "a.png", (60, 60), "RGBA"), limits).ok


@pytest.mark.parametrize("orientation,stored,shown", [(6, (80, 50), (50, 80)), (3, (80, 50), (80, 50))])
def test_exif_rotation_is_reported_and_applied(tmp_path, orientation, stored, shown):
    source = with_orientation(tmp_path / "phone.jpg", stored, orientation)
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.EXIF_ROTATED,) and report.exif_rotated
    assert (report.width, report.height) == shown
    fix = fix_image(source, LIMITS, tmp_path / "fixed")
    assert fix.changes == ("Applied the EXIF rotation",)
    with Image.open(fix.path) as out:
        assert out.size == shown
        assert out.getexif().get(0x0112) in (None, 1)
        if orientation == 3:  # turned upside down: the stripe is now at the bottom
            red, green, _ = out.getpixel((shown[0] // 2, shown[1] - 2))
            assert red > 200 and green < 80
    assert inspect_image(fix.path, LIMITS).ok


def test_orientation_one_is_not_rotated(tmp_path):
    assert inspect_image(with_orientation(tmp_path / "up.jpg", (80, 50), 1), LIMITS).ok


def test_tiff_is_converted_to_png(tmp_path):
    source = write(tmp_path / "scan.tiff", (80, 60))
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.UNSUPPORTED_FORMAT,)
    assert report.messages == (
        "'scan.tiff' is a TIFF image; this model accepts JPEG, PNG, BMP or WEBP. It can be converted to PNG.",
    )
    fix = fix_image(source, LIMITS, tmp_path)
    assert fix.changes == ("Converted TIFF to PNG",)
    assert fix.path == tmp_path / "scan-fixed.png"
    assert inspect_image(fix.path, LIMITS).ok


def test_cmyk_jpeg_is_written_as_rgb(tmp_path):
    source = write(tmp_path / "print.tiff", (80, 60), "CMYK")
    fix = fix_image(source, LIMITS, tmp_path / "out")
    with Image.open(fix.path) as out:
        assert out.mode == "RGB"


def test_too_many_bytes_is_re_encoded_as_jpeg(tmp_path):
    limits = ImageLimits(min_side=40, max_side=400, max_bytes=60 * 1024)
    source = tmp_path / "noise.png"
    noisy((180, 180)).save(source)
    report = inspect_image(source, limits)
    assert report.issues == (ImageIssue.TOO_MANY_BYTES,)
    assert report.messages[0].startswith("The file is ") and report.messages[0].endswith("at most 60 KB.")
    fix = fix_image(source, limits, tmp_path / "out")
    assert fix.changes[-1].startswith("Re-encoded as JPEG quality ") and fix.changes[-1].endswith("to fit 60 KB")
    assert fix.path.suffix == ".jpg"
    assert fix.path.stat().st_size <= 60 * 1024
    assert inspect_image(fix.path, limits).ok


def test_too_many_bytes_shrinks_when_quality_is_not_enough(tmp_path):
    limits = ImageLimits(min_side=40, max_side=400, max_bytes=12 * 1024)
    source = tmp_path / "noise.png"
    noisy((200, 200), seed=2).save(source)
    fix = fix_image(source, limits, tmp_path / "out")
    assert any(change.startswith("Scaled from 200×200") for change in fix.changes)
    assert inspect_image(fix.path, limits).ok


def test_several_issues_are_fixed_together(tmp_path):
    source = tmp_path / "combo.png"
    Image.new("RGBA", (20, 30), (1, 2, 3, 40)).save(source)
    report = inspect_image(source, LIMITS)
    assert set(report.issues) == {ImageIssue.TOO_SMALL, ImageIssue.HAS_ALPHA}
    assert len(report.messages) == 2
    fix = fix_image(source, LIMITS, tmp_path / "out")
    assert set(fix.changes) == {"Flattened transparency onto white", "Enlarged from 20×30 to 40×60 pixels"}
    assert inspect_image(fix.path, LIMITS).ok


def test_fixing_an_acceptable_image_copies_it(tmp_path):
    source = write(tmp_path / "fine.png", (60, 60))
    fix = fix_image(source, LIMITS, tmp_path / "out")
    assert fix.changes == ()
    assert fix.path != source and inspect_image(fix.path, LIMITS).ok


def test_a_second_fix_does_not_overwrite_a_different_file(tmp_path):
    out = tmp_path / "out"
    first = fix_image(write(tmp_path / "a.png", (30, 20), colour=(1, 1, 1)), LIMITS, out)
    (tmp_path / "b").mkdir()
    second = fix_image(write(tmp_path / "b" / "a.png", (30, 20), colour=(9, 9, 9)), LIMITS, out)
    assert first.path != second.path
    assert second.path.name == "a-fixed-2.png"
    again = fix_image(tmp_path / "a.png", LIMITS, out)
    assert again.path == first.path  # same content: no duplicate


def test_pasted_bytes_are_inspected_and_kept(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (5, 6, 7)).save(buffer, format="PNG")
    data = buffer.getvalue()
    report = inspect_image_bytes(data, LIMITS)
    assert report.ok and str(report.path) == "<pasted>" and report.byte_size == len(data)
    saved = save_image_bytes(data, tmp_path / "inputs", "pasted-1")
    assert saved == tmp_path / "inputs" / "pasted-1.png"
    assert saved.read_bytes() == data
    assert save_image_bytes(data, tmp_path / "inputs", "pasted-1") == saved  # identical paste reused
    assert sorted(os.listdir(tmp_path / "inputs")) == ["pasted-1.png"]


def test_pasted_garbage_is_refused_in_words(tmp_path):
    report = inspect_image_bytes(b"not an image", LIMITS)
    assert report.messages == ("The pasted data is not an image Wan can use (JPEG, PNG, BMP or WEBP).",)
    with pytest.raises(ValueError, match="not an image"):
        save_image_bytes(b"not an image", tmp_path, "x")
    assert list(tmp_path.iterdir()) == []


def test_decompression_bomb_is_reported_not_raised(tmp_path, monkeypatch):
    # Lowering Pillow's own guard makes a small file trip it, exercising the real code path.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    source = write(tmp_path / "bomb.png", (100, 100))
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.TOO_LARGE_PIXELS,)
    assert "too many pixels" in report.messages[0]
    assert not report.fixable


# -- how a picture is stored: CMYK, 16 bits, animation (issue 9, item 10) -------------------------------------
def sixteen_bit_rgb_png(path, size=(64, 48), value=0xA000):
    """A 16-bit-per-colour PNG, written by hand: Pillow reads these but cannot write them."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    width, height = size
    row = b"\x00" + struct.pack(">HHH", value, value // 2, value // 4) * width
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
    path.write_bytes(data + chunk(b"IEND", b""))
    return path


def sixteen_bit_grey_png(path, size=(64, 48), value=40000):
    image = Image.new("I;16", size)
    image.putdata([value] * (size[0] * size[1]))
    image.save(path)
    return path


def animated_webp(path, size=(64, 48), frames=3):
    pictures = [Image.new("RGB", size, (60 * n, 90, 30)) for n in range(frames)]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], lossless=True)
    return path


def test_a_cmyk_jpeg_is_advice_and_converted(tmp_path):
    source = write(tmp_path / "print.jpg", (80, 60), "CMYK", fmt="JPEG")
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.CMYK,) and report.fixable
    assert "CMYK" in report.summary and "converted to RGB" in report.summary
    fix = fix_image(source, LIMITS, tmp_path / "out")
    assert fix.changes == ("Converted CMYK colours to RGB",)
    with Image.open(fix.path) as out:
        assert out.mode == "RGB"
    assert inspect_image(fix.path, LIMITS).ok


@pytest.mark.parametrize("maker", [sixteen_bit_rgb_png, sixteen_bit_grey_png], ids=["rgb", "grey"])
def test_a_16_bit_png_is_advice_and_reduced_to_8_bits_faithfully(tmp_path, maker):
    source = maker(tmp_path / "deep.png")
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.HIGH_BIT_DEPTH,) and report.fixable and "16 bits" in report.summary
    fix = fix_image(source, LIMITS, tmp_path / "out")
    assert fix.changes == ("Reduced 16 bits per colour to 8",)
    assert fix.path.read_bytes()[24] == 8  # the IHDR bit depth of the copy
    with Image.open(fix.path) as out:
        pixel = out.convert("RGB").getpixel((0, 0))
    # the 16-bit levels scaled down, not clipped to white: 40000/256 = 156, 0xA000/256 = 160
    assert pixel in ((156, 156, 156), (160, 80, 40))
    assert inspect_image(fix.path, LIMITS).ok


def test_an_animated_webp_is_advice_and_its_first_frame_taken(tmp_path):
    source = animated_webp(tmp_path / "moving.webp")
    report = inspect_image(source, LIMITS)
    assert report.issues == (ImageIssue.ANIMATED,) and "3 frames" in report.summary
    fix = fix_image(source, LIMITS, tmp_path / "out")
    assert fix.changes == ("Used the first frame of the animation",)
    with Image.open(fix.path) as out:
        assert getattr(out, "n_frames", 1) == 1
        assert out.convert("RGB").getpixel((0, 0))[0] < 20  # the first frame's red is 0; the others' 60 and 120


def test_advice_is_not_a_refusal_of_the_request():
    """The service takes these files: the request check leaves them to the composer's and submit's fix."""
    from wan_desktop.core.images import ADVISORY_ISSUES, FIXABLE_ISSUES

    advice = {ImageIssue.EXIF_ROTATED, ImageIssue.CMYK, ImageIssue.HIGH_BIT_DEPTH, ImageIssue.ANIMATED}
    assert ADVISORY_ISSUES == advice
    assert ADVISORY_ISSUES <= FIXABLE_ISSUES


def test_advice_passes_the_request_check(tmp_path):
    from wan_desktop.core.dashscope.catalog import Region
    from wan_desktop.core.dashscope.types import GenerationRequest
    from wan_desktop.core.request_checks import ensure_valid

    source = sixteen_bit_rgb_png(tmp_path / "deep.png", size=(640, 480))
    ensure_valid(GenerationRequest(model="wan2.6-i2v-flash", first_frame=str(source)), Region.SINGAPORE)
