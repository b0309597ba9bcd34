"""environment.py: options from environment variables, with DRUM's precedence and words.

The options table's own variables are tested in test_options.py and through
``build_settings`` in test_build.py and test_cli.py; here the rules, on a table of their own.
"""

from __future__ import annotations

import argparse

import pytest

from drum_testing.config.environment import apply_env_options, read_variables
from drum_testing.config.options import Kind, Option, options_for
from drum_testing.config.settings import SERVER_TYPE_ENV, ServerType, SettingsError
from drum_testing.config.values import FALSE_WORDS, TRUE_WORDS, switch

TARGET_NAME_ENV = "TARGET_NAME"
URL_PREFIX_ENV = "URL_PREFIX"


def _number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected digits, got {text!r}")
    return int(text)


OPTIONS = (
    Option("name", ("--name",), "NAME"),
    Option("count", ("--count",), "COUNT", _number),
    Option("labels_file", ("--labels-file",), "LABELS_FILE", exclusive="labels"),
    Option("labels", ("--labels",), "LABELS", kind=Kind.LIST, exclusive="labels"),
    Option("loud", ("--loud",), "LOUD", kind=Kind.SWITCH),
    Option("unread", (), "UNREAD"),  # variable-only: not an argument's variable
)


def absent(**given: object) -> argparse.Namespace:
    """Parsed arguments as argparse leaves them: None for an absent option, False for a flag."""
    values: dict[str, object] = {
        "name": None,
        "count": None,
        "labels_file": None,
        "labels": None,
        "loud": False,
    }
    return argparse.Namespace(**{**values, **given})


def apply(
    args: argparse.Namespace, environ: dict[str, str]
) -> tuple[dict[str, object], dict[str, str]]:
    merged, from_env = apply_env_options(args, environ, OPTIONS)
    return vars(merged), from_env


def test_a_variable_fills_an_absent_option() -> None:
    values, from_env = apply(absent(), {"NAME": "n", "COUNT": "3", "UNREAD": "u"})
    assert (values["name"], values["count"]) == ("n", 3)
    assert from_env == {"name": "NAME", "count": "COUNT"}
    assert "unread" not in values  # read_variables reads it, apply_env_options does not


def test_the_command_line_wins_and_its_variable_is_not_even_read() -> None:
    values, from_env = apply(absent(name="flag", count=1), {"NAME": "env", "COUNT": "junk"})
    assert (values["name"], values["count"]) == ("flag", 1)
    assert from_env == {}


def test_an_empty_variable_is_unset() -> None:
    values, from_env = apply(absent(), {"NAME": "", "COUNT": ""})
    assert (values["name"], values["count"], from_env) == (None, None, {})


def test_the_given_namespace_is_not_changed() -> None:
    args = absent()
    apply(args, {"NAME": "n"})
    assert args.name is None


def test_a_list_variable_is_split_on_whitespace() -> None:
    values, _ = apply(absent(), {"LABELS": " red  green\tblue\n"})
    assert values["labels"] == ["red", "green", "blue"]


def test_a_blank_list_variable_is_an_error() -> None:
    with pytest.raises(SettingsError, match=r"^LABELS has no values$"):
        apply(absent(), {"LABELS": "   "})


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"^COUNT: expected digits, got 'x'$"):
        apply(absent(), {"COUNT": "x"})


@pytest.mark.parametrize(
    ("args", "environ", "labels", "labels_file"),
    [
        pytest.param(absent(), {"LABELS": "a b"}, ["a", "b"], None, id="labels-only"),
        pytest.param(absent(), {"LABELS_FILE": "f"}, None, "f", id="file-only"),
        # Both variables: the first in the table wins, as CLASS_LABELS_FILE does in DRUM.
        pytest.param(absent(), {"LABELS": "a b", "LABELS_FILE": "f"}, None, "f", id="both"),
        # Either option on the command line disables both variables.
        pytest.param(absent(labels=["x"]), {"LABELS_FILE": "f"}, ["x"], None, id="flag-labels"),
        pytest.param(absent(labels_file="g"), {"LABELS": "a b"}, None, "g", id="flag-file"),
    ],
)
def test_exclusive_options(
    args: argparse.Namespace,
    environ: dict[str, str],
    labels: list[str] | None,
    labels_file: str | None,
) -> None:
    values, _ = apply(args, environ)
    assert (values["labels"], values["labels_file"]) == (labels, labels_file)


@pytest.mark.parametrize("word", [*TRUE_WORDS, "TRUE", " Yes ", "On"])
def test_a_true_word_turns_a_flag_on(word: str) -> None:
    values, from_env = apply(absent(), {"LOUD": word})
    assert values["loud"] is True
    assert from_env == {"loud": "LOUD"}


@pytest.mark.parametrize("word", [*FALSE_WORDS, "False", "NONE"])
def test_a_false_word_leaves_a_flag_off(word: str) -> None:
    values, from_env = apply(absent(), {"LOUD": word})
    assert values["loud"] is False
    assert from_env == {}


@pytest.mark.parametrize("word", ["f", "maybe", "2", "enabled"])
def test_any_other_word_is_an_error_naming_the_variable(word: str) -> None:
    with pytest.raises(SettingsError) as caught:
        apply(absent(), {"LOUD": word})
    assert str(caught.value).startswith("LOUD: must be a boolean (t, true, y, yes, on, 1, 1.0 or")
    assert str(caught.value).endswith(f"got {word!r}")


def test_a_flag_on_the_command_line_ignores_its_variable_even_if_bad() -> None:
    values, _ = apply(absent(loud=True), {"LOUD": "maybe"})
    assert values["loud"] is True


def test_parse_bool_words_are_drums() -> None:
    # trafaret's ToBool, which DRUM uses: note "f" is not among them.
    assert TRUE_WORDS == ("t", "true", "y", "yes", "on", "1", "1.0")
    assert FALSE_WORDS == ("false", "n", "no", "off", "0", "none", "0.0")
    assert switch("1.0") is True


# --- read_variables: the variable-only settings --------------------------------------------


def test_variable_only_settings_reads_only_the_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    # The process environment holds values that would fail: the mapping alone must count.
    monkeypatch.setenv(SERVER_TYPE_ENV, "tornado")
    monkeypatch.setenv(URL_PREFIX_ENV, "process")
    monkeypatch.setenv(TARGET_NAME_ENV, "process")
    assert read_variables({}, options_for("server")) == {}


def test_variable_only_settings_values() -> None:
    environ = {
        SERVER_TYPE_ENV: '{"type": "string", "payload": "uvicorn"}',
        URL_PREFIX_ENV: "api/v2/",
        TARGET_NAME_ENV: "answer",
        "UNRELATED": "ignored",
    }
    expected = {"server_type": ServerType.FASTAPI, "url_prefix": "/api/v2", "target_name": "answer"}
    assert read_variables(environ, options_for("server")) == expected


def test_variable_only_settings_invalid() -> None:
    with pytest.raises(SettingsError, match=SERVER_TYPE_ENV):
        read_variables({SERVER_TYPE_ENV: "tornado"}, options_for("server"))
