"""Hostile input, measured: large images and zip bombs convert within the memory budget or are refused.

Each conversion runs in a fresh Python whose peak resident memory is read from the OS
(``VmHWM``), so what is checked is what the machine saw, not an estimate.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

from dcgan_core import ConfigError, PrepareOptions
from dcgan_core.data.budget import DEFAULT_BUDGET_BYTES, BudgetExceeded, MemoryBudget
from dcgan_core.data.decode import ImageRejected, decode_image
from hostile_samples import MIB, big_png, repeated_zip, run_measured
from ingest_samples import encode

PROCESS_LIMIT_MIB = 400  # the whole process, imports included (README, "Memory")
BUDGET_MIB = DEFAULT_BUDGET_BYTES / MIB
SLACK_MIB = 48  # allocator rounding, thread stacks, the small outputs and the manifest


def test_several_large_images_in_one_folder_convert_within_the_budget(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    for seed in (0, 1):
        (folder / f"grey16_{seed}.png").write_bytes(big_png(7000, 7000, "I;16", seed))
        (folder / f"rgba_{seed}.png").write_bytes(big_png(7000, 7000, "RGBA", seed))
    (folder / "zeros_a.zip").write_bytes(repeated_zip(1900))
    (folder / "zeros_b.zip").write_bytes(repeated_zip(1900, prefix="y"))
    assert sum(p.stat().st_size for p in folder.iterdir()) < 8 * MIB  # small on disk, huge in memory
    found = run_measured(f"""
result = prepare_dataset(sources_from_folder({str(folder)!r}, lazy=True), PrepareOptions(size=32),
                         cache_dir={str(tmp_path / "cache")!r}, workers=2)
RESULT = {{"usable": result.report.usable, "skipped": [list(s) for s in result.report.skipped],
          "modes": result.report.modes, "reserved_peak": default_budget().peak,
          "first_row": numpy.load(result.npy_path)[0, 0, :, 0].tolist()}}
""")
    assert not found["tensorflow"]
    assert found["usable"] == 4 and found["modes"] == {"I;16": 2, "RGBA": 2}
    reasons = dict(found["skipped"])
    assert set(reasons) == {"zeros_a.zip", "zeros_b.zip"} and all("zip bomb" in r for r in reasons.values())
    assert found["peak_mib"] <= PROCESS_LIMIT_MIB, found
    assert found["peak_mib"] - found["base_mib"] <= BUDGET_MIB + SLACK_MIB, found
    assert 0 < found["reserved_peak"] <= DEFAULT_BUDGET_BYTES


def test_zip_members_are_read_lazily_even_without_the_ratio_caps(tmp_path):
    archive = tmp_path / "zeros.zip"
    archive.write_bytes(repeated_zip(300))
    found = run_measured(f"""
limits = SourceLimits(max_ratio=1e12, max_request_bytes=2**40, max_archive_bytes=2**40)
sources = sources_from_folder({str(archive)!r}, lazy=True, limits=limits)
try:
    prepare_dataset(sources, PrepareOptions(size=16), cache_dir={str(tmp_path / "cache")!r})
except DataError as err:
    RESULT = {{"error": str(err), "count": len(sources), "held": sum(len(s.data) for s in sources)}}
""")
    assert found["count"] == 300 and found["held"] == 0
    assert "None of the 300 files could be used" in found["error"]
    assert found["peak_mib"] - found["base_mib"] < 64, found  # 300 MiB unpacked, never held


def test_uploads_share_the_caps_of_one_request(tmp_path):
    found = run_measured(
        """
from hostile_samples import big_png, repeated_zip
uploads = [("grey.png", big_png(7000, 7000, "I;16", 5))] + [(f"z{i}.zip", repeated_zip(1900, prefix=f"m{i}")) for i in range(3)]
sources = sources_from_uploads(uploads)
result = prepare_dataset(sources, PrepareOptions(size=28, channels=1), cache_dir=%r)
RESULT = {"usable": result.report.usable, "skipped": [list(s) for s in result.report.skipped]}
"""
        % str(tmp_path / "cache")
    )
    assert found["usable"] == 1
    assert [name for name, _ in found["skipped"]] == ["z0.zip", "z1.zip", "z2.zip"]
    assert all("zip bomb" in reason for _, reason in found["skipped"])
    assert found["peak_mib"] <= PROCESS_LIMIT_MIB, found


def test_an_image_larger_than_the_whole_budget_is_refused_with_its_reason():
    rgba = big_png(7000, 7000, "RGBA")
    with pytest.raises(ImageRejected, match=r"7000x7000 in mode RGBA .* more than the 64 MiB that decoding may use"):
        decode_image(rgba, PrepareOptions(size=32), budget=MemoryBudget(64 * MIB))


def test_the_budget_can_be_set_for_a_process(tmp_path):
    (tmp_path / "big.png").write_bytes(big_png(7000, 7000, "RGBA"))
    (tmp_path / "small.png").write_bytes(encode(Image.new("RGB", (40, 40), (9, 9, 9)), "PNG"))
    found = run_measured(
        f"""
result = prepare_dataset(sources_from_folder({str(tmp_path)!r}), PrepareOptions(size=16), cache_dir={str(tmp_path / "c")!r})
RESULT = {{"usable": result.report.usable, "skipped": [list(s) for s in result.report.skipped]}}
""",
        env={"DCGAN_DECODE_BUDGET_MB": "48"},
    )
    assert found["usable"] == 1
    ((name, reason),) = found["skipped"]
    assert name == "big.png" and "more than the 48 MiB that decoding may use" in reason


def test_budget_makes_large_work_wait_and_serves_in_order():
    budget = MemoryBudget(10 * MIB)
    order: list[str] = []
    with budget.reserve(8 * MIB):

        def take(label: str, nbytes: int) -> None:
            with budget.reserve(nbytes):
                order.append(label)

        big = threading.Thread(target=take, args=("big", 6 * MIB))
        big.start()
        time.sleep(0.1)
        small = threading.Thread(target=take, args=("small", 1 * MIB))  # would fit, but queues behind "big"
        small.start()
        time.sleep(0.1)
        assert order == [] and budget.used == 8 * MIB
    big.join(5)
    small.join(5)
    assert order == ["big", "small"] and budget.used == 0 and budget.peak <= 10 * MIB
    with pytest.raises(BudgetExceeded, match="more than the 10 MiB"), budget.reserve(11 * MIB):
        pass
    with pytest.raises(ConfigError):
        MemoryBudget(10)


# --- what the strip-wise conversion gives back -----------------------------------------


def test_large_sixteen_bit_image_is_scaled_like_a_small_one():
    pixels, info = decode_image(big_png(3000, 3000, "I;16"), PrepareOptions(size=30, channels=1, fit="stretch"))
    assert info.mode == "I;16" and pixels.shape == (30, 30, 1)
    row = pixels[0, :, 0].astype(int)
    assert (pixels[:, :, 0] == pixels[0, :, 0]).all()  # every row the same gradient
    assert np.all(np.diff(row) > 0) and row[0] <= 8 and row[-1] >= 247


def test_large_translucent_image_is_laid_over_the_background():
    pixels = decode_image(big_png(3000, 3000, "RGBA"), PrepareOptions(size=20, background=(0, 0, 255)))[0]
    red, green, blue = pixels[10, 10].astype(int)
    # (x, 255 - x, 0) at alpha 128 over pure blue, in the middle x is about 128
    assert abs(red - 64) <= 4 and abs(green - 64) <= 4 and abs(blue - 127) <= 4


def test_large_float_image_is_stretched_over_its_range():
    ramp = np.tile(np.linspace(-5.0, 5.0, 2100, dtype=np.float32), (2100, 1))
    pixels, info = decode_image(
        encode(Image.fromarray(ramp, "F"), "TIFF"), PrepareOptions(size=21, channels=1, fit="stretch")
    )
    assert info.mode == "F"
    assert pixels[5, 0, 0] <= 8 and pixels[5, -1, 0] >= 247 and abs(int(pixels[5, 10, 0]) - 128) <= 6


def test_exif_orientation_is_applied_to_large_images_too():
    img = Image.new("RGB", (4000, 2000), (255, 0, 0))
    img.paste((0, 0, 255), (2000, 0, 4000, 2000))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    pixels = decode_image(encode(img, "PNG", exif=exif.tobytes()), PrepareOptions(size=16, fit="stretch"))[0]
    assert pixels[2, 8, 0] > 200 and pixels[2, 8, 2] < 60  # red on top
    assert pixels[13, 8, 2] > 200 and pixels[13, 8, 0] < 60


def test_formats_whose_decoders_hold_more_than_the_image_are_budgeted_for_it(tmp_path):
    # Progressive JPEG keeps every full-size DCT coefficient even when decoded scaled down;
    # Pillow's WebP decoder holds the picture four times over. Both measured at ~290 and ~750 MiB.
    solid = Image.new("RGB", (7000, 7000), (20, 120, 200))
    progressive = encode(solid, "JPEG", progressive=True, quality=50, subsampling=0)  # 4:4:4: 294 MB
    webp = encode(solid, "WEBP", quality=50, method=0)
    for data in (progressive, webp):
        with pytest.raises(ImageRejected, match="7000x7000 in mode RGB and would need about .* MiB"):
            decode_image(data, PrepareOptions(size=32))
    (tmp_path / "progressive.jpg").write_bytes(encode(solid.resize((3000, 3000)), "JPEG", progressive=True))
    (tmp_path / "mid.webp").write_bytes(encode(solid.resize((2500, 2500)), "WEBP", quality=50, method=0))
    found = run_measured(f"""
result = prepare_dataset(sources_from_folder({str(tmp_path)!r}, lazy=True), PrepareOptions(size=32),
                         cache_dir={str(tmp_path / "cache")!r}, workers=2)
RESULT = {{"usable": result.report.usable}}
""")
    assert found["usable"] == 2
    assert found["peak_mib"] - found["base_mib"] <= BUDGET_MIB + SLACK_MIB, found
