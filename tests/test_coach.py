"""Tests of the training coach's rules (pure Python, no TensorFlow)."""

import math

import pytest

from dcgan_core import coach_messages
from dcgan_core.metrics.coach import CoachMessage

NAN = math.nan


def healthy(n: int = 6) -> dict[str, list[float]]:
    return {
        "epoch": [float(i + 1) for i in range(n)],
        "g_loss": [1.2, 1.0, 1.1, 0.9, 1.05, 1.0][:n],
        "d_loss": [0.6, 0.65, 0.7, 0.62, 0.66, 0.64][:n],
        "d_acc_real": [0.8, 0.7, 0.75, 0.72, 0.7, 0.74][:n],
        "d_acc_fake": [0.7, 0.72, 0.68, 0.7, 0.71, 0.69][:n],
        "diversity": [0.5, 0.55, 0.6, 0.58, 0.6, 0.61][:n],
    }


def rules(messages: list[CoachMessage]) -> set[str]:
    return {m.rule for m in messages}


def test_healthy_run_gets_no_advice():
    assert coach_messages(healthy(), 5000, "running") == []


def test_empty_history_gets_no_advice():
    assert coach_messages({}, None, "queued") == []


def test_discriminator_winning_needs_three_epochs_in_a_row():
    h = healthy()
    h["d_acc_real"][-2:] = [0.99, 0.98]
    h["d_acc_fake"][-2:] = [0.97, 0.99]
    assert "d_winning" not in rules(coach_messages(h, 5000, "running"))
    h["d_acc_real"][-3] = 0.96
    h["d_acc_fake"][-3] = 0.96
    messages = coach_messages(h, 5000, "running")
    assert rules(messages) == {"d_winning"}
    assert messages[0].level == "warning"
    assert "learning rate" in messages[0].advice


def test_discriminator_winning_needs_both_accuracies_high():
    h = healthy()
    h["d_acc_real"][-4:] = [0.99] * 4
    assert "d_winning" not in rules(coach_messages(h, 5000, "running"))


def test_generator_collapse_when_diversity_falls_below_40_percent_for_two_epochs():
    h = healthy()
    h["diversity"] = [0.5, 0.6, 0.5, 0.3, 0.25, 0.15]  # 40% of the best 0.6 is 0.24
    assert "collapse" not in rules(coach_messages(h, 5000, "running"))  # only one epoch below
    h["diversity"] = [0.5, 0.6, 0.5, 0.3, 0.2, 0.1]
    assert "collapse" in rules(coach_messages(h, 5000, "running"))
    h["diversity"] = [0.5, 0.6, 0.5, 0.3, 0.1, 0.5]  # recovered
    assert "collapse" not in rules(coach_messages(h, 5000, "running"))


def test_collapse_ignores_epochs_where_diversity_was_not_measured():
    h = healthy()
    h["diversity"] = [0.6, NAN, 0.2, NAN, 0.1, NAN]
    messages = coach_messages(h, 5000, "running")
    assert "collapse" in rules(messages)
    assert "17%" in next(m for m in messages if m.rule == "collapse").title


def test_nan_loss_is_an_error_and_names_the_network():
    h = healthy()
    h["d_loss"][-1] = NAN
    messages = coach_messages(h, 5000, "failed")
    assert messages[0].rule == "non_finite"
    assert messages[0].level == "error"
    assert "discriminator" in messages[0].title and "stopped" in messages[0].title


def test_infinite_generator_loss():
    h = healthy()
    h["g_loss"][2] = math.inf
    assert coach_messages(h, 5000, "running")[0].rule == "non_finite"


def test_generator_loss_over_ten_times_its_median_is_diverging():
    h = healthy()
    h["g_loss"][-1] = 9.0
    assert "diverging" not in rules(coach_messages(h, 5000, "running"))
    h["g_loss"][-1] = 12.0
    messages = coach_messages(h, 5000, "running")
    assert rules(messages) == {"diverging"}


@pytest.mark.parametrize("size, fires", [(499, True), (500, False), (None, False), (5000, False)])
def test_small_dataset(size, fires):
    messages = coach_messages(healthy(), size, "running")
    assert ("small_dataset" in rules(messages)) is fires
    if fires:
        assert "499" in messages[0].title and "augmentation" in messages[0].advice


def test_messages_are_sorted_errors_first():
    h = healthy()
    h["g_loss"][-1] = NAN
    h["d_acc_real"] = [0.99] * 6
    h["d_acc_fake"] = [0.99] * 6
    levels = [m.level for m in coach_messages(h, 100, "running")]
    assert levels == ["error", "warning", "info"]


def test_bad_level_is_refused():
    with pytest.raises(ValueError):
        CoachMessage("panic", "t", "a")


def test_overfitting_judge_fires_on_small_sets_only():
    h = {"rt": [0.5, 0.95, 0.97, 0.99], "augment_p": [0.0] * 4, "d_acc_real": [0.9] * 4, "d_acc_fake": [0.5] * 4}
    assert "overfitting" in rules(coach_messages(h, 150, "running"))
    assert "overfitting" not in rules(coach_messages(h, 60000, "running"))  # big sets: a confident judge is fine
    assert "overfitting" not in rules(coach_messages({**h, "rt": [0.99, 0.99, 0.5, 0.99]}, 150, "running"))
    full = coach_messages({**h, "augment_p": [1.0] * 4}, 150, "running")
    assert "full strength" in [m for m in full if m.rule == "overfitting"][0].title


def test_a_judge_that_calls_everything_real_is_named_with_a_remedy():
    from dcgan_core import preset_config

    # as recorded from a batch-500 run whose samples stayed noise: real 1.0, fake 0.0 every epoch
    history = {
        "epoch": [1, 2, 3, 4],
        "g_loss": [0.3, 0.2, 0.2, 0.2],
        "d_loss": [0.9, 0.8, 0.8, 0.8],
        "d_acc_real": [1.0, 1.0, 1.0, 1.0],
        "d_acc_fake": [0.4, 0.0, 0.0, 0.01],
    }
    config = preset_config("custom", data_path="x.npy", image_size=28, channels=1, batch_size=500)
    [message] = [m for m in coach_messages(history, 5000, "running", config) if m.rule == "judge_fooled"]
    assert "every generated image real" in message.title and "3 epochs" in message.title
    assert message.remedy == {"batch_size": 64}
    small = preset_config("custom", data_path="x.npy", image_size=28, channels=1, batch_size=64)
    [again] = [m for m in coach_messages(history, 5000, "running", small) if m.rule == "judge_fooled"]
    assert again.remedy == {"d_lr": small.d_lr * 2}
    healthy = {**history, "d_acc_fake": [0.4, 0.5, 0.45, 0.5]}
    assert not [m for m in coach_messages(healthy, 5000, "running") if m.rule == "judge_fooled"]


def test_samples_that_stay_noise_are_named():
    nan = float("nan")
    stuck = {
        "epoch": [1, 2, 3, 4, 5, 6],
        "g_loss": [1.0] * 6,
        "d_loss": [1.0] * 6,
        "swd": [800.0, nan, nan, nan, nan, 790.0],
    }
    [message] = [m for m in coach_messages(stuck, 5000, "running") if m.rule == "still_noise"]
    assert "not getting better" in message.title and "790" in message.title
    learning = {**stuck, "swd": [800.0, nan, nan, nan, nan, 120.0]}
    assert not [m for m in coach_messages(learning, 5000, "running") if m.rule == "still_noise"]
    early = {"epoch": [1, 2], "g_loss": [1.0] * 2, "d_loss": [1.0] * 2, "swd": [800.0, 795.0]}
    assert not [m for m in coach_messages(early, 5000, "running") if m.rule == "still_noise"]


def test_a_run_past_its_best_names_the_epoch_it_kept():
    worse_later = {"epoch": [1, 2, 3, 4, 5], "swd": [900.0, 60.0, 45.0, 52.0, 70.0]}
    [message] = [m for m in coach_messages(worse_later, 200, "running") if m.rule == "past_best"]
    assert "epoch 3" in message.title and "45" in message.title and "70" in message.title
    assert "Explore" in message.advice
    still_improving = {"epoch": [1, 2, 3, 4, 5], "swd": [900.0, 60.0, 45.0, 44.0, 43.0]}
    one_bad_measure = {"epoch": [1, 2, 3, 4], "swd": [900.0, 60.0, 45.0, 90.0]}
    small_wobble = {"epoch": [1, 2, 3, 4, 5], "swd": [900.0, 60.0, 45.0, 50.0, 52.0]}
    for history in (still_improving, one_bad_measure, small_wobble):
        assert not [m for m in coach_messages(history, 200, "running") if m.rule == "past_best"]
