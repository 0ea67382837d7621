"""Tests of saved explorations and latent exports: exact round trips and every refusal."""

import json

import numpy as np
import pytest

from dcgan_core import (
    Exploration,
    ExplorationError,
    load_exploration,
    latents_to_json,
    sample_latents,
    save_exploration,
)
from dcgan_core.explore.directions import pca_directions
from dcgan_core.explore.explorations import NamedVector, latents_from_json


def _exploration(dim: int = 32) -> Exploration:
    latents = sample_latents(4, dim, seed=11)
    latents[0, 0] = np.float32(0.1)  # not exactly representable: must survive as the same float32
    latents[1, 1] = np.nextafter(np.float32(1.0), np.float32(2.0))
    latents[2, 2] = np.float32(-3.4e38)
    directions = pca_directions(sample_latents(200, dim, seed=0), 2)
    return Exploration(
        run_id="run-20240101-abc",
        epoch=12,
        latent_dim=dim,
        latents=[(f"seed {11 + i}", z) for i, z in enumerate(latents)],
        directions=[(name, v) for name, v in zip(("smile", "Direction 2"), directions.vectors)],
    )


def test_round_trip_reproduces_float32_latents_exactly(tmp_path):
    original = _exploration()
    path = tmp_path / "exploration.json"
    data = save_exploration(original, path)
    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["exploration.json"]  # no temp file left
    loaded = load_exploration(data, expected_run_id="run-20240101-abc", expected_latent_dim=32)
    assert loaded == original
    assert loaded.latent_array().dtype == np.float32
    assert np.array_equal(loaded.latent_array().view(np.uint32), original.latent_array().view(np.uint32))
    assert [d.name for d in loaded.directions] == ["smile", "Direction 2"]
    assert load_exploration(data.decode("utf-8")) == original  # text works too
    parsed = json.loads(data)
    assert parsed["format"] == "dcgan-studio-exploration" and parsed["epoch"] == 12


def test_latent_export_round_trips():
    latents = sample_latents(3, 10, seed=2)
    data = latents_to_json(latents)
    back = latents_from_json(data, expected_latent_dim=10)
    assert [nv.name for nv in back] == ["Latent 1", "Latent 2", "Latent 3"]
    assert np.array_equal(np.stack([nv.vector for nv in back]), latents)
    named = latents_to_json([NamedVector("mine", latents[0])])
    assert latents_from_json(named)[0] == NamedVector("mine", latents[0])
    with pytest.raises(ExplorationError, match="size 10, but the chosen generator takes 64"):
        latents_from_json(data, expected_latent_dim=64)
    with pytest.raises(ExplorationError, match="3 latents but 2 names"):
        latents_to_json(latents, names=["a", "b"])


def _edited(change) -> bytes:
    obj = json.loads(save_exploration(_exploration(8)))
    change(obj)
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "JSON object, not a list"),
        (b'{"format": "something-else"}', "not a DCGAN Studio exploration"),
        (_edited(lambda o: o.update(version=99)), "version 99"),
        (_edited(lambda o: o.update(epoch=-1)), "'epoch' must be a whole number"),
        (_edited(lambda o: o.update(latent_dim="8")), "'latent_dim' must be a whole number"),
        (_edited(lambda o: o["latents"][1]["values"].pop()), "latent 'seed 12' has 7 values, but latent_dim is 8"),
        (_edited(lambda o: o["directions"][0]["values"].append(0.5)), "direction 'smile' has 9 values"),
        (_edited(lambda o: o["latents"][0]["values"].__setitem__(3, "x")), "not numbers"),
        (_edited(lambda o: o["latents"][0]["values"].__setitem__(3, 1e39)), "out-of-range"),
        (_edited(lambda o: o["latents"].__setitem__(0, {"values": []})), "latent 1 must have a text 'name'"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ExplorationError, match=message):
        load_exploration(data)


def test_non_finite_numbers_are_refused_both_ways():
    text = save_exploration(_exploration(8)).decode().replace('"values": [', '"values": [NaN, ', 1)
    with pytest.raises(ExplorationError, match="NaN"):
        load_exploration(text)
    text = save_exploration(_exploration(8)).decode().replace('"values": [', '"values": [-Infinity, ', 1)
    with pytest.raises(ExplorationError, match="-Infinity"):
        load_exploration(text)
    bad = np.zeros(8, np.float32)
    bad[2] = np.nan
    with pytest.raises(ExplorationError, match="NaN or infinite"):
        Exploration(run_id="r", epoch=0, latent_dim=8, latents=[("broken", bad)])


def test_other_run_and_other_latent_size_are_refused():
    data = save_exploration(_exploration(8))
    with pytest.raises(ExplorationError, match="belongs to run 'run-20240101-abc', not to the chosen run 'other'"):
        load_exploration(data, expected_run_id="other")
    with pytest.raises(ExplorationError, match="latents of size 8, but the chosen generator takes 100"):
        load_exploration(data, expected_latent_dim=100)
    with pytest.raises(ExplorationError, match="has 7 values, but the latent size is 8"):
        Exploration(run_id="r", epoch=0, latent_dim=8, latents=[("short", np.zeros(7))])


def test_failed_save_names_the_path_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "exploration.json"
    first = save_exploration(_exploration(8), path)
    (tmp_path / "taken").mkdir()
    with pytest.raises(ExplorationError, match="could not save the exploration to .*taken"):
        save_exploration(_exploration(8), tmp_path / "taken")
    with pytest.raises(ExplorationError, match="could not save the exploration to .*missing-folder"):
        save_exploration(_exploration(8), tmp_path / "missing-folder" / "x.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exploration.json", "taken"]
    assert path.read_bytes() == first


# --- hostile files ------------------------------------------------------------------------


def _latents_text(values: str, latent_dim: str = "2") -> str:
    return (
        '{"format": "dcgan-studio-latents", "version": 1, "latent_dim": %s, '
        '"latents": [{"name": "a", "values": [%s]}]}' % (latent_dim, values)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "more than 8 levels deep"),
        ('{"a":' * 5_000 + "1" + "}" * 5_000, "more than 8 levels deep"),
        ('{"latents": [' + "[]," * 200_000 + "[]]}", "more than 100,000 lists and objects"),
        (_latents_text("1, " + "9" * 5_000), "whole number with 5,000 digits"),
        (_latents_text("1, -" + "7" * 4_301), "whole number with 4,301 digits"),
        (_latents_text("1", latent_dim="1" + "0" * 40), "whole number with 41 digits"),
        (_latents_text("1", latent_dim="100000000"), "'latent_dim' must be a whole number from 1 to 65,536"),
        (_latents_text("1, 1e999"), "1e999, which is too large to be a float"),
        (_latents_text("1, NaN"), "contains NaN"),
        (_latents_text("1, -Infinity"), "contains -Infinity"),
        (_latents_text("1, 1e300"), "non-finite or out-of-range"),
        ('"' + '\\"' * 500_000, "Unterminated string"),
        (b"\xff\xfe not text", "not UTF-8"),
        ("x" * (33 * 2**20), "33 MiB; the limit is 32 MiB"),
    ],
)
def test_hostile_json_is_refused_with_a_clear_message(text, message):
    field_check = "latent_dim' must" in message or "out-of-range" in message  # checked after the format
    for read in (latents_from_json,) if field_check else (latents_from_json, load_exploration):
        with pytest.raises(ExplorationError, match=message.replace("(", r"\(").replace("[", r"\[")):
            read(text)


def test_hostile_exploration_fields_are_refused_and_cut_short_in_messages():
    good = json.loads(save_exploration(_exploration(4)).decode())
    for key, value, message in [
        ("epoch", 10**20, "'epoch' must be a whole number from 0 to 1,000,000,000"),
        ("run_id", "r" * 10_000, "at most 200 characters"),
        ("created", ["not", "text"], "'created' must be a short text"),
        ("format", "f" * 10_000, "format 'fffff"),
    ]:
        with pytest.raises(ExplorationError, match=message) as err:
            load_exploration(json.dumps({**good, key: value}))
        assert len(str(err.value)) < 300
    bad_name = {**good, "latents": [{"name": "n" * 1_000, "values": [0.0] * 4}]}
    with pytest.raises(ExplorationError, match="name of 1,000 characters"):
        load_exploration(json.dumps(bad_name))
