"""The on-call e-mail (issue 9, finding 10): every value escaped, no landing-file line in it."""

from __future__ import annotations

from types import SimpleNamespace

from airflow.sdk import DAG

from ledger_audit.airflow_support import OncallNotifier


def _render(exception, run_id="manual__2026-11-21"):
    notifier = OncallNotifier("failed")
    context = {"exception": exception, "run_id": run_id,
               "ti": SimpleNamespace(task_id="load", try_number=1),
               "dag": DAG("ledger_audit_nightly", schedule=None)}
    notifier.render_template_fields(context)
    return notifier.html_content


def test_the_error_text_is_escaped_in_the_html():
    html = _render(ValueError('topups: cannot read topups/dt=2026-11-21/<script>x</script>.csv'))
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;.csv" in html


def test_a_run_id_with_markup_is_escaped():
    html = _render(ValueError("boom"), run_id='manual__<img src=x onerror="alert(1)">')
    assert "<img" not in html and "&lt;img src=x" in html


def test_a_quoted_line_of_a_landing_file_never_reaches_the_email():
    exc = RuntimeError("Invalid Input Error: CSV Error on Line: 3\nOriginal Line: T9,A1,secret-payer-ref,9.99"
                       "\nInvalid unicode detected")
    html = _render(exc)
    assert "secret-payer-ref" not in html
    assert "CSV Error on Line: 3" in html
