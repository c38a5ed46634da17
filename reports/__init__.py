"""Report packs for finance and legal, built from the published warehouse.

    reports.finance / reports.legal   what each pack shows (SQL on the marts)
    reports/templates/                 how it looks (jinja2)
    reports.render                     HTML, chart, PDF, XLSX
    reports.safety                     masking, escaping, no formulas, nothing from the network
    reports.build.build_packs          both packs for a date into <out>/<date>/
    reports.send.send_packs            mail them once (SMTP or nothing: the .eml files stay)

The CLI (`ledger-audit report`), the demo and the Airflow tasks call build_packs/send_packs.
"""
