"""The money macros of core/macros.sql round half-even to the fen and to the micro-yuan by exact
integer arithmetic (rules.md §5), at any size the contract allows. Expected values by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.db import AuditContext, connect


@pytest.fixture(scope="module")
def con():
    c = connect(None, AuditContext(dt.date(2026, 11, 20)))
    yield c
    c.close()


@pytest.mark.parametrize(("x", "expected"), [
    ("0.125", "0.12"),       # a tie goes to the even fen
    ("0.135", "0.14"),
    ("0.1251", "0.13"),      # past the tie goes up
    ("-0.125", "-0.12"),
    ("-0.135", "-0.14"),
    ("2.004999", "2.00"),
    ("9999999999999999.995", "10000000000000000.00"),
])
def test_round_half_even_to_the_fen(con, x, expected):
    got = con.execute(f"SELECT round_half_even_2({x}::DECIMAL(38, 6))").fetchone()[0]
    assert got == Decimal(expected)


@pytest.mark.parametrize(("x", "expected"), [
    ("0.0000125", "0.000012"),
    ("0.0000135", "0.000014"),
    ("0.00000151", "0.000002"),
    ("-0.0000125", "-0.000012"),
    ("123456789012.1234565", "123456789012.123456"),
])
def test_round_half_even_to_the_micro_yuan(con, x, expected):
    got = con.execute(f"SELECT round_half_even_6({x}::DECIMAL(38, 8))").fetchone()[0]
    assert got == Decimal(expected)
