"""Charts are inline SVG (no script, no external resource), labelled, escaped, and each is
followed by its table."""

import re

import pytest
from django.urls import reverse

from core.roles import Role
from monitoring.charts import bar_chart, line_chart
from tests.factories import UserFactory


def test_bar_chart_is_accessible_and_escaped():
    svg = bar_chart(
        chart_id="c1",
        title="Titre <b>",
        table_title="Tableau",
        labels=["<script>alert(1)</script>", "b"],
        series=[("Série", [3, 0])],
    )
    assert svg.startswith('<svg class="monitoring-chart" id="c1" role="img"')
    assert '<title id="c1-title">Titre &lt;b&gt;</title>' in svg
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "Tableau" in svg  # the description points to the table


def test_stacked_bars_have_a_legend_and_line_chart_has_points():
    svg = bar_chart(
        chart_id="c2", title="t", table_title="t", labels=["a"], series=[("x", [1]), ("y", [2])]
    )
    assert svg.count("<rect") == 2 + 2  # two segments, two legend swatches
    line = line_chart(
        chart_id="c3",
        title="t",
        table_title="t",
        x_labels=["jan", "fév", "mar"],
        series=[("Reçues", [1, 4, 2]), ("Clôturées", [0, 1, 0])],
    )
    assert line.count("<polyline") == 2
    assert line.count("<circle") == 6


def test_empty_chart():
    svg = bar_chart(chart_id="c4", title="t", table_title="t", labels=[], series=[("x", [])])
    assert "Aucune donnée." in svg


@pytest.mark.django_db
def test_dashboard_charts_are_inline_and_offline(client):
    client.force_login(UserFactory(roles=[Role.STATE_DELEGATE]))
    body = client.get(reverse("monitoring:index")).content.decode()
    charts = re.findall(r'<svg class="monitoring-chart" id="([^"]+)"', body)
    assert len(charts) == 7
    for chart_id in charts:
        # Each chart is followed by its table (the accessible alternative).
        after = body[body.index(f'id="{chart_id}"') :]
        assert after.index("<table") < after.index("</section>")
    main = body[body.index('class="relais-monitoring"') :]
    assert "<script" not in main
    assert not re.search(r'(src|href)="https?://', main)
