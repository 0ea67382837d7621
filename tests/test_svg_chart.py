"""The live view's SVG charts: axes, curves with gaps, legend values, hover columns, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ui.live_charts import accuracy_chart, histogram_chart, loss_chart, quality_chart
from ui.svg_chart import Guide, Series, nice_ticks, svg_chart, tick_label

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def test_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0.93, 4.1) == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert len(nice_ticks(0.6, 1.9)) >= 3
    epochs = nice_ticks(1, 573, count=8, integer=True)
    assert all(t == int(t) for t in epochs) and epochs[0] >= 1 and epochs[-1] <= 573 and 4 <= len(epochs) <= 9
    assert nice_ticks(0.0, 3.0, count=8, integer=True) == [0.0, 1.0, 2.0, 3.0]  # no half epochs
    assert tick_label(1200.0, 200.0) == "1,200" and tick_label(7.5, 2.5) == "7.5" and tick_label(0.5, 0.25) == "0.50"
    assert tick_label(-0.0, 0.5) == "0.0"


def test_a_curve_with_a_missing_value_is_drawn_in_two_pieces_and_the_legend_shows_the_latest_value():
    svg = svg_chart(
        [Series("Generator", [1, 2, 3, 4], [1.5, None, 0.8, 0.75], "#7c5cff")],
        "Losses",
        "loss",
        guides=[Guide(0.5, "coin flip")],
    )
    root = _parse(svg)
    [path] = [p for p in root.iter(f"{SVG}path")]
    assert path.get("d").count("M") == 2 and path.get("d").count("L") == 1
    assert "Generator 0.750" in "".join(root.itertext())
    assert "coin flip" in "".join(root.itertext())
    assert root.get("aria-label") == "Losses" and root.get("role") == "img"
    assert len(list(root.iter(f"{SVG}circle"))) == 3  # few points: each one marked


def test_hover_columns_name_every_value_at_their_epoch_and_stay_bounded_on_a_long_run():
    history = {"epoch": [1, 2], "g_loss": [2.0, 1.25], "d_loss": [0.5, 0.625]}
    tips = [t.text for t in _parse(loss_chart(history)).iter(f"{SVG}title")]
    assert tips == ["epoch 1\nGenerator: 2.00\nDiscriminator: 0.500", "epoch 2\nGenerator: 1.25\nDiscriminator: 0.625"]

    n = 5000
    long = {"epoch": list(range(1, n + 1)), "g_loss": [1.0] * n, "d_loss": [0.5] * n}
    root = _parse(loss_chart(long))
    tips = list(root.iter(f"{SVG}title"))
    assert 100 <= len(tips) <= 240 and tips[-1].text.startswith(f"epoch {n}\n")
    assert not list(root.iter(f"{SVG}circle"))  # many points: no markers


def test_a_long_curve_is_thinned_but_keeps_its_extremes():
    n = 20_000
    g = [1.0 + (i % 7) * 0.1 for i in range(n)]
    g[12_345] = 9.0  # one spike
    history = {"epoch": list(range(1, n + 1)), "g_loss": g, "d_loss": [0.5] * n}
    svg = loss_chart(history)
    root = _parse(svg)
    paths = [p.get("d") for p in root.iter(f"{SVG}path")]
    assert all(d.count("L") <= 650 for d in paths)
    top = min(float(step.split()[1]) for step in re.findall(r"[ML]([\d.]+ [\d.]+)", paths[0]))
    assert top < 100  # the spike is still drawn, near the top of the plot (the rest lies below 200)
    assert len(svg) < 60_000


def test_smoothing_draws_the_raw_curve_faint_behind_the_smoothed_one():
    history = {"epoch": [1, 2, 3], "g_loss": [2.0, 0.0, 2.0], "d_loss": [1.0, 1.0, 1.0]}
    raw, smooth = _parse(loss_chart(history)), _parse(loss_chart(history, smoothing=0.9))
    assert len(list(raw.iter(f"{SVG}path"))) == 2
    paths = list(smooth.iter(f"{SVG}path"))
    assert len(paths) == 4 and sum(p.get("stroke-opacity") != "1.0" for p in paths) == 2
    legend = "".join(smooth.itertext())
    assert "(raw)" not in legend and "Generator" in legend


def test_a_single_quality_measurement_says_a_curve_needs_two():
    one = quality_chart({"epoch": [1, 2, 3], "swd": [None, None, 42.0]})
    assert "One measurement so far" in one and "quality score 42.0" in one
    two = quality_chart({"epoch": [1, 2, 3], "swd": [50.0, None, 42.0]})
    assert "One measurement so far" not in two


def test_accuracy_axis_is_fixed_and_names_are_escaped():
    root = _parse(accuracy_chart({"epoch": [1, 2], "d_acc_real": [0.9, 1.0], "d_acc_fake": [0.1, 0.0]}))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text and re.fullmatch(r"[\d.]+", t.text)]
    assert "0.0" in labels and "1.0" in labels
    svg = svg_chart([Series('<b>"x"</b>', [1], [1.0], "red")], "a < b & c", "y")
    root = _parse(svg)
    assert root.get("aria-label") == "a < b & c" and "<b>" not in svg


def test_histogram_draws_one_bar_per_bin_and_series():
    edges = [-1.0, -0.5, 0.0, 0.5, 1.0]
    root = _parse(histogram_chart({"edges": edges, "real": [0.1, 0.4, 0.4, 0.1], "fake": [0.25] * 4}))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill-opacity") == "0.55"]
    assert len(bars) == 8 and all(float(r.get("width")) > 0 for r in bars)
    assert "value" in "".join(root.itertext())
