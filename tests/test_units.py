"""Sizes, times, links and digests as learners read them: one module, one style; docker's own output in docker's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regsim.units import (
    UnitError,
    axis_unit,
    docker_short_id,
    docker_size,
    elided_digest,
    exact_seconds,
    format_bandwidth,
    format_latency,
    format_seconds,
    format_share,
    format_size,
    parse_bandwidth,
    parse_duration,
    parse_size,
    short_digest,
)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0B"),
        (585, "585B"),
        (1_000, "1kB"),
        (3_400_000, "3.4MB"),
        (16_500_000, "16.5MB"),
        (29_000_000, "29MB"),
        (2_500_000_000, "2.5GB"),
        (369_500_000, "370MB"),   # a half rounds up ...
        (372_500_000, "373MB"),   # ... every time, not to the even neighbour
        (999_499, "999kB"),
        (999_500, "1MB"),         # never "1000kB"
        (999_999_999, "1GB"),
    ],
)
def test_sizes_read_as_docker_prints_them(size, shown):
    assert format_size(size) == shown


def test_binary_sizes_use_binary_units():
    assert format_size(1_572_864, "binary") == "1.5MiB"
    assert format_size(1023, "binary") == "1023B"


@given(st.integers(min_value=1, max_value=999 * 10**12))
def test_a_shown_size_reads_back_within_half_a_unit_of_its_last_digit(size):
    shown = format_size(size)
    back = parse_size(shown)
    digits = shown.rstrip("kMGTB")
    assert len(digits.replace(".", "").lstrip("0")) <= 4
    assert not digits.startswith("1000")
    # Three significant digits: the error is at most half of the third digit's place.
    assert abs(back - size) <= 0.005 * max(back, size) + 0.5


def test_a_size_that_is_not_one_says_what_to_write():
    with pytest.raises(UnitError, match="29MB"):
        parse_size("lots")


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (0, 0, "0%"), (0, 5, "0%"), (5, 5, "100%"), (1, 4, "25%"), (2, 3, "67%"),
        (12_000, 12_040, "99.7%"),        # not rounded up to a saving of everything
        (3, 1000, "0.3%"),                # not rounded down to nothing
        (99_999, 100_000, "99.999%"),
    ],
)
def test_a_share_reads_100_or_0_percent_only_when_it_is(part, whole, shown):
    assert format_share(part, whole) == shown


def test_docker_prints_sizes_in_regsims_own_style_and_always_in_decimal_units():
    assert docker_size(79_000_000) == format_size(79_000_000) == "79MB"
    assert format_size(79_000_000, "binary") == "75.3MiB"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.637, "637 ms"), (6.64, "6.6 s"), (125, "2.1 min"), (7200, "2.0 h")],
)
def test_seconds_read_in_one_style_everywhere(seconds, shown):
    assert format_seconds(seconds) == shown


def test_exact_seconds_keep_the_digits_a_check_compares():
    # what an `expect: seconds` failure and the Live screen's operation time show, unrounded to a reading
    assert exact_seconds(6.5) == "6.5 s"
    assert exact_seconds(6.5000004, 6) == "6.500000 s"
    assert exact_seconds(0.4251, 2) == "0.43 s"


def test_a_digest_is_shortened_one_way_in_regsims_words_and_one_way_as_docker_does():
    digest = "sha256:5f8ee423db7d" + "0" * 52
    assert short_digest(digest) == "sha256:5f8ee423db7d"
    assert elided_digest(digest) == "sha256:5f8ee423db7d…"
    assert docker_short_id(digest) == "5f8ee423db7d"
    assert short_digest("sha512:" + "c" * 128) == "sha512:" + "c" * 12
    for not_a_digest in ("v1", "", "sha256:"):
        assert short_digest(not_a_digest) == elided_digest(not_a_digest) == not_a_digest
    assert elided_digest("sha256:5f8ee423db7d") == "sha256:5f8ee423db7d"   # nothing was left off


def test_an_axis_is_drawn_in_the_largest_unit_its_top_value_reaches():
    assert axis_unit(154_000_000) == (1_000_000, "MB")
    assert axis_unit(999) == (1, "B")
    assert axis_unit(2**30, "binary") == (2**30, "GiB")


def test_a_link_reads_as_a_scenario_file_writes_it():
    assert format_bandwidth(parse_bandwidth("100Mbit/s")) == "100 Mbit/s"
    assert format_bandwidth(1e9) == "1 Gbit/s"
    assert format_bandwidth(512) == "512 bit/s"
    assert format_latency(parse_duration("80ms")) == "80 ms"
    assert format_latency(0.0025) == "2.5 ms"
    assert format_latency(1.5) == "1.5 s"
