"""Which business date a run audits (ledger_audit.airflow_support.business_date_of): never the
wall clock, and manual and asset-triggered runs (which have no `ds`) get one too."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from ledger_audit.airflow_support import business_date_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(y, m, d, h=0, tz=SHANGHAI):
    return dt.datetime(y, m, d, h, tzinfo=tz)


def test_scheduled_run_audits_the_day_its_data_interval_covers_in_shanghai():
    # [2026-11-20 00:00, 2026-11-21 00:00) Asia/Shanghai, as Airflow hands it over: in UTC
    context = {"data_interval_start": at(2026, 11, 19, 16, UTC),
               "data_interval_end": at(2026, 11, 20, 16, UTC)}
    assert business_date_of(context) == dt.date(2026, 11, 20)


def test_param_wins_over_the_data_interval():
    context = {"params": {"business_date": "2026-11-03"},
               "data_interval_start": at(2026, 11, 19, 16, UTC),
               "data_interval_end": at(2026, 11, 20, 16, UTC)}
    assert business_date_of(context) == dt.date(2026, 11, 3)


def test_asset_triggered_run_audits_the_date_of_the_published_warehouse():
    events = {"ledger_audit_warehouse": [SimpleNamespace(extra={"business_date": "2026-11-19"}),
                                         SimpleNamespace(extra={"business_date": "2026-11-20"})]}
    context = {"params": {"business_date": None}, "triggering_asset_events": events,
               "data_interval_start": at(2026, 11, 21, 3, UTC),
               "data_interval_end": at(2026, 11, 21, 3, UTC)}
    assert business_date_of(context) == dt.date(2026, 11, 20)


def test_manual_run_without_data_interval_audits_the_day_that_closed_before_it():
    # triggered at 02:00 on the 21st, Shanghai time (18:00 UTC on the 20th)
    context = {"data_interval_start": None, "data_interval_end": None,
               "dag_run": SimpleNamespace(run_after=at(2026, 11, 20, 18, UTC))}
    assert business_date_of(context) == dt.date(2026, 11, 20)


def test_a_point_interval_is_not_taken_for_a_day():
    context = {"data_interval_start": at(2026, 11, 21, 2), "data_interval_end": at(2026, 11, 21, 2),
               "dag_run": SimpleNamespace(run_after=at(2026, 11, 21, 2))}
    assert business_date_of(context) == dt.date(2026, 11, 20)


def test_no_date_at_all_is_an_error():
    with pytest.raises(ValueError, match="cannot tell the business date"):
        business_date_of({})


def test_bad_param_is_an_error():
    with pytest.raises(ValueError):
        business_date_of({"params": {"business_date": "20/11/2026"}})
