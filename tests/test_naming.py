"""Salesforce identifier rules and case conversions (generator/new/naming.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.new import naming

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ALNUM = LETTERS + "0123456789"

# A valid API name: a letter, then alphanumeric runs joined by single underscores.
valid_names = st.builds(
    lambda first, head, parts: first + head + "".join("_" + p for p in parts),
    st.sampled_from(LETTERS),
    st.text(ALNUM, max_size=8),
    st.lists(st.text(ALNUM, min_size=1, max_size=6), max_size=4),
)


@pytest.mark.parametrize("name", ["A", "Acme", "Acme_Integration", "a1_b2_c3", "X" * 40])
def test_accepts_valid_api_names(name):
    assert naming.api_name_problem(name, 40) is None


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"),
    ("X" * 41, "limit is 40"),
    ("1Acme", "start with a letter"),
    ("_Acme", "start with a letter"),
    ("Écrin", "start with a letter"),
    ("Acmé", "only letters, digits and underscores"),
    ("Acme Integration", "only letters, digits and underscores"),
    ("Acme-Integration", "only letters, digits and underscores"),
    ("Acme\n", "only letters, digits and underscores"),
    ("Acme__Integration", "two consecutive underscores"),
    ("Acme_", "end with an underscore"),
])
def test_rejects_invalid_api_names(name, why):
    problem = naming.api_name_problem(name, 40)
    assert problem is not None and why in problem


def test_rejects_trailing_underscore():
    assert naming.api_name_problem("Acme_", 40) == "must not end with an underscore"


@pytest.mark.parametrize("ns", ["", "a", "acme", "Acme2", "a" * 15])
def test_accepts_namespaces(ns):
    assert naming.namespace_problem(ns) is None


@pytest.mark.parametrize("ns", ["a" * 16, "1acme", "ac_me", "ac me", "acme\n", "acmé"])
def test_rejects_namespaces(ns):
    assert naming.namespace_problem(ns) is not None


@pytest.mark.parametrize(("label", "name"), [
    ("Acme Integration", "Acme_Integration"),
    ("Acme Integration (EU)", "Acme_Integration_EU"),
    ("  Acme -- Integration  ", "Acme_Integration"),
    ("a__b", "a_b"),
    ("3M Connector", "M_Connector"),
    ("Café Bar", "Caf_Bar"),
    ("123", ""),
    ("", ""),
])
def test_label_to_api_name(label, name):
    assert naming.label_to_api_name(label) == name


@pytest.mark.parametrize(("name", "pascal", "camel", "kebab"), [
    ("Acme_Integration", "AcmeIntegration", "acmeIntegration", "acme-integration"),
    ("acme", "Acme", "acme", "acme"),
    ("AcmeIntegration", "AcmeIntegration", "acmeIntegration", "acmeintegration"),
    ("a1_b2", "A1B2", "a1B2", "a1-b2"),
])
def test_case_conversions(name, pascal, camel, kebab):
    assert naming.to_pascal(name) == pascal
    assert naming.to_camel(name) == camel
    assert naming.to_kebab(name) == kebab


@given(valid_names)
def test_names_from_the_valid_pattern_pass(name):
    assert naming.api_name_problem(name, 10_000) is None


@given(valid_names, st.data())
def test_double_underscore_fails(name, data):
    cut = data.draw(st.integers(1, len(name)))
    assert naming.api_name_problem(name[:cut] + "__" + name[cut:], 10_000) is not None


@given(valid_names)
def test_trailing_underscore_fails(name):
    assert naming.api_name_problem(name + "_", 10_000) is not None


@given(valid_names, st.sampled_from("0123456789"))
def test_leading_digit_fails(name, digit):
    assert naming.api_name_problem(digit + name, 10_000) is not None


@given(valid_names)
def test_case_conversions_are_idempotent(name):
    for convert in (naming.to_pascal, naming.to_camel, naming.to_kebab):
        once = convert(name)
        assert convert(once) == once
    assert naming.to_pascal(naming.to_camel(name)) == naming.to_pascal(name)


@given(valid_names)
def test_pascal_and_camel_are_valid_api_names(name):
    assert naming.api_name_problem(naming.to_pascal(name), 10_000) is None
    assert naming.api_name_problem(naming.to_camel(name), 10_000) is None


@given(st.text())
def test_label_to_api_name_gives_a_valid_name_or_nothing(label):
    name = naming.label_to_api_name(label)
    assert name == "" or naming.api_name_problem(name, 10_000) is None
