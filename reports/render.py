"""How packs look: HTML (jinja2 + css-inline), the trend chart (altair + vl-convert), the PDF
(WeasyPrint) and XLSX (xlsxwriter). Renders what it is given (already masked by
reports/safety.protect); sends nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl

from reports import layout, safety

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = None


def env():
    global _ENV
    if _ENV is None:
        _ENV = safety.environment(TEMPLATES)
        _ENV.filters.update(money=layout.money, signed_money=layout.signed_money,
                            count=layout.count, signed_count=layout.signed_count,
                            when=layout.when, evidence=layout.evidence,
                            links=layout.links_text)
    return _ENV


def html(template: str, what: str, **context) -> str:
    """A template rendered through the escaping environment, CSS inlined for mail clients
    (Outlook and Gmail drop <style> blocks), checked to load nothing."""
    import css_inline

    page = env().get_template(template).render(**context)
    page = css_inline.inline(page) if template.endswith("email.html.j2") else page
    return safety.assert_offline(page, what)


# vl-convert draws text only with fonts it was told about; Debian's fonts-dejavu-core is always
# there with chromium and fonts-noto-cjk (.ci/run installs both)
CHART_FONT = "DejaVu Sans"
_FONTS_REGISTERED = False


def _register_fonts(vlc) -> None:
    global _FONTS_REGISTERED
    if not _FONTS_REGISTERED:
        for d in ("/usr/share/fonts", "/usr/local/share/fonts"):
            if Path(d).is_dir():
                vlc.register_font_directory(d)
        _FONTS_REGISTERED = True


def trend_chart(trend: pl.DataFrame) -> bytes:
    """The 30-day trend as PNG: usage by kind of funds, cash topped up, deferred revenue; each
    on its own scale, so a day of large top-ups does not flatten the usage."""
    import altair as alt
    import vl_convert as vlc

    _register_fonts(vlc)
    # pixels only: the chart plots floats; every figure a reader copies is exact elsewhere
    kinds = {"used_cash": "cash", "used_trial": "trial funds", "used_discount": "discounts"}
    usage, topped, deferred = [], [], []
    for row in trend.iter_rows(named=True):  # 30 rows
        day = row["business_date"].isoformat()
        for key, name in kinds.items():
            usage.append({"date": day, "paid from": name, "CNY": float(row[key] or 0)})
        topped.append({"date": day, "CNY": float(row["cash_topped_up"] or 0)})
        deferred.append({"date": day, "CNY": float(row["deferred_revenue"] or 0)})
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0, tickCount=8))
    y = alt.Y("CNY:Q", title="CNY", axis=alt.Axis(format=",.0f", tickCount=4))
    used = alt.Chart(alt.Data(values=usage), title="Usage per day, by the funds that paid it"
                     ).mark_bar(size=13).encode(
        x=x, y=alt.Y("sum(CNY):Q", title="CNY", axis=alt.Axis(format=",.0f", tickCount=4)),
        color=alt.Color("paid from:N", scale=alt.Scale(
            domain=list(kinds.values()), range=["#1f6f8b", "#8cb369", "#e07a1f"]),
            legend=alt.Legend(orient="top", title="paid from", direction="horizontal")),
    ).properties(width=560, height=130)
    cash = alt.Chart(alt.Data(values=topped), title="Cash topped up per day").mark_bar(
        color="#1f3b57", size=13).encode(x=x, y=y).properties(width=560, height=100)
    stock = alt.Chart(alt.Data(values=deferred),
                      title="Deferred revenue (unconsumed cash), end of day").mark_area(
        line={"color": "#1f6f8b"}, color="#cfe3ea").encode(x=x, y=y).properties(
        width=560, height=100)
    chart = alt.vconcat(used, cash, stock, spacing=18).configure_view(stroke=None).configure_axis(
        labelFont=CHART_FONT, titleFont=CHART_FONT, gridColor="#eeeeee", labelFontSize=11
    ).configure_title(font=CHART_FONT, fontSize=13, anchor="start", color="#1f3b57"
    ).configure_legend(labelFont=CHART_FONT, titleFont=CHART_FONT).properties(background="white")
    return vlc.vegalite_to_png(vl_spec=chart.to_json(), scale=2)


def pdf(page: str, root: Path) -> bytes:
    """The PDF of an HTML page, fetching nothing but the pack's own files."""
    from weasyprint import HTML

    return HTML(string=page, base_url=str(root), url_fetcher=safety.offline_url_fetcher(root)
                ).write_pdf()


# ---- XLSX ----------------------------------------------------------------------------------

def _width(frame: pl.DataFrame, name: str) -> float:
    """Column width from the header and the longest value (computed on the whole column)."""
    col = frame.get_column(name)
    if col.dtype == pl.String:
        longest = col.str.len_chars().max() or 0
    elif col.dtype.is_decimal() or col.dtype.is_float():
        longest = 14
    elif col.dtype == pl.Datetime or isinstance(col.dtype, pl.Datetime):
        longest = 16
    else:
        longest = 10
    return float(min(max(len(name) + 2, int(longest) + 1, 8), 60))


class Workbook:
    """An XLSX whose every data cell is written explicitly by type: money as numbers with a
    two-decimal format, text as text (never a formula), dates and times as Excel dates."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), safety.WORKBOOK_OPTIONS)
        f = self.book.add_format
        self.head = f({"bold": True, "bg_color": "#1f3b57", "font_color": "#ffffff",
                       "text_wrap": True, "valign": "top", "border": 1, "border_color": "#d0d7de"})
        self.text = f({"valign": "top"})
        self.wrap = f({"valign": "top", "text_wrap": True})
        self.quoted = f({"valign": "top", "quote_prefix": True})
        self.money = f({"num_format": "#,##0.00", "valign": "top"})
        self.int = f({"num_format": "#,##0", "valign": "top"})
        self.date = f({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.time = f({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
        self.title = f({"bold": True, "font_size": 14})
        self.note = f({"italic": True, "font_color": "#555555"})

    def table(self, name: str, frame: pl.DataFrame, money: tuple[str, ...] = (),
              wrap: tuple[str, ...] = ()) -> None:
        sheet = self.book.add_worksheet(name[:31])
        cols = frame.columns
        for j, c in enumerate(cols):
            sheet.write_string(0, j, c, self.head)
            width = 70.0 if c in wrap else _width(frame, c)
            sheet.set_column(j, j, width)
        for j, c in enumerate(cols):
            values = frame.get_column(c).to_list()
            is_money = c in money
            for i, v in enumerate(values, start=1):
                if v is None:
                    continue
                if is_money or isinstance(v, Decimal):
                    sheet.write_number(i, j, float(v), self.money if is_money else self.int)
                elif isinstance(v, bool):
                    sheet.write_string(i, j, "yes" if v else "no", self.text)
                elif isinstance(v, (int, float)):
                    sheet.write_number(i, j, v, self.int)
                elif isinstance(v, dt.datetime):
                    sheet.write_datetime(i, j, v.astimezone(dt.UTC).replace(tzinfo=None), self.time)
                elif isinstance(v, dt.date):
                    sheet.write_datetime(i, j, dt.datetime.combine(v, dt.time()), self.date)
                else:
                    safety.write_text(sheet, i, j, str(v), self.wrap if c in wrap else self.text,
                                      self.quoted)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(frame.height, 1), max(len(cols) - 1, 0))

    def summary(self, title: str, rows: list[list], notes: list[str], money_col: set[int]) -> None:
        """The first sheet (add it before the tables): a title, a small table (first row is
        the header) and notes."""
        sheet = self.book.add_worksheet("Summary")
        sheet.write_string(0, 0, title, self.title)
        for j, h in enumerate(rows[0]):
            sheet.write_string(2, j, h, self.head)
        for i, row in enumerate(rows[1:], start=3):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, (Decimal, int)) and not isinstance(v, bool):
                    sheet.write_number(i, j, float(v), self.money if j in money_col else self.int)
                else:
                    safety.write_text(sheet, i, j, str(v), self.text, self.quoted)
        for k, note in enumerate(notes, start=len(rows) + 4):
            safety.write_text(sheet, k, 0, note, self.note, self.quoted)
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, len(rows[0]), 18)
        sheet.freeze_panes(3, 0)

    def close(self) -> None:
        self.book.close()
