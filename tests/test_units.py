"""Sizes as learners read them: docker's three significant digits, rounded the way people round."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regsim.units import UnitError, format_share, format_size, parse_size


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
