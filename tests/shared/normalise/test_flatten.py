"""Nested W&B configs become dot keys; API wrappers and internals are handled."""

from shared import flatten_config


def test_nested_dicts_become_dot_keys():
    assert flatten_config({"optimizer": {"lr": 0.001, "betas": [0.9, 0.99]}, "seed": 1}) == {
        "optimizer.lr": 0.001, "optimizer.betas": [0.9, 0.99], "seed": 1}


def test_api_value_wrappers_are_unwrapped_at_every_level():
    cfg = {"lr": {"value": 0.1, "desc": None}, "model": {"value": {"depth": {"value": 4}}}}
    assert flatten_config(cfg) == {"lr": 0.1, "model.depth": 4}


def test_wandb_internals_are_dropped_but_user_keys_that_start_with_underscore_stay():
    assert flatten_config({"_wandb": {"cli_version": "0.31.0"}, "_private": 1}) == {"_private": 1}


def test_a_dict_with_a_value_key_and_others_is_a_real_dict():
    assert flatten_config({"loss": {"value": 1, "weight": 2}}) == {"loss.value": 1, "loss.weight": 2}


def test_empty_dict_value_is_kept_as_a_value():
    assert flatten_config({"extra": {}}) == {"extra": {}}


def test_tuples_become_lists():
    assert flatten_config({"shape": (3, 4)}) == {"shape": [3, 4]}
