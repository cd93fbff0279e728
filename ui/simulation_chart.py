"""The plan's chart: per year, the capital, interest and insurance paid (stacked bars) and
the capital still owed at the end of the year (a line on its own scale, on the right).

QtCharts (PySide6-Addons) is imported the first time a chart is shown, not when the app or
the tab opens; until then the widget only keeps the figures it will draw."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from app.simulation.schedule_export import CHART_BARS, CHART_LINE, plan_years, round_top
from app.text import format_amount
from ui.common import set_role

if TYPE_CHECKING:
    from app.simulation.finance import PlanResult


class PlanChart(QWidget):
    def __init__(self, name: str = "simulationChart") -> None:
        super().__init__()
        self.setObjectName(name)
        self.years: list[tuple[int, int, int, int, int, int, int]] = []
        self.view: Any = None  # the QChartView, once shown
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.empty = set_role(QLabel("Aucun échéancier à représenter."), "hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout_.addWidget(self.empty)
        self.drawn: list[tuple[int, int, int, int, int, int, int]] | None = None

    def show_result(self, result: PlanResult | None) -> None:
        """The figures of this plan (None: nothing to draw); drawn now if the chart is on
        screen, else when it is first shown."""
        self.years = plan_years(result) if result is not None else []
        if self.isVisible():
            self._draw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw()

    def series(self) -> dict[str, list[float]]:
        """What the chart shows, in euros, by series name (read back by the tests)."""
        if self.view is None:
            return {}
        chart = self.view.chart()
        shown: dict[str, list[float]] = {}
        for series in chart.series():
            if hasattr(series, "barSets"):
                for bar_set in series.barSets():
                    shown[bar_set.label()] = [bar_set.at(i) for i in range(bar_set.count())]
            else:
                shown[series.name()] = [point.y() for point in series.points()]
        return shown

    def _draw(self) -> None:
        if self.drawn == self.years and (self.view is not None or not self.years):
            return
        self.drawn = list(self.years)
        self.empty.setVisible(not self.years)
        if not self.years:
            if self.view is not None:
                self.view.setVisible(False)
            return
        if self.view is None:
            self._build()
        self.view.setVisible(True)
        self._fill()

    def _build(self) -> None:
        from PySide6.QtCharts import QChart, QChartView

        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setLocalizeNumbers(True)  # «200 000 €»
        chart.setLocale(QLocale(QLocale.Language.French, QLocale.Country.France))
        chart.setBackgroundRoundness(0)
        self.view = QChartView(chart)
        self.view.setObjectName(self.objectName() + "View")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(200)
        self.layout_.addWidget(self.view)

    def _fill(self) -> None:
        from PySide6.QtCharts import (
            QBarSet,
            QCategoryAxis,
            QLineSeries,
            QStackedBarSeries,
            QValueAxis,
        )

        chart = self.view.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QStackedBarSeries()
        for label, column, colour in CHART_BARS:
            bar_set = QBarSet(label)
            bar_set.setColor(QColor(colour))
            bar_set.setBorderColor(QColor(colour))
            bar_set.append([year[column] / 100 for year in self.years])
            bars.append(bar_set)
        bars.setBarWidth(0.7)
        label, column, colour = CHART_LINE
        remaining = QLineSeries()
        remaining.setName(label)
        remaining.setPen(QPen(QColor(colour), 2))
        for index, year in enumerate(self.years):
            remaining.append(index, year[column] / 100)
        chart.addSeries(bars)
        chart.addSeries(remaining)

        # Every year labelled would overlap past fifteen of them: one in two, or in five.
        years = QCategoryAxis()
        years.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        years.setRange(-0.5, len(self.years) - 0.5)
        step = 1 if len(self.years) <= 15 else 2 if len(self.years) <= 30 else 5
        for index, year in enumerate(self.years):
            if index % step == 0:
                years.append(str(year[0]), index)
        years.setGridLineVisible(False)
        chart.addAxis(years, Qt.AlignmentFlag.AlignBottom)
        paid = QValueAxis()
        paid.setRange(0, round_top(max(sum(y[2:5]) for y in self.years) / 100))
        paid.setLabelFormat("%.0f €")
        paid.setTitleText("Par an")
        chart.addAxis(paid, Qt.AlignmentFlag.AlignLeft)
        owed = QValueAxis()
        owed.setRange(0, round_top(max(self.years[0][6] + self.years[0][3], 1) / 100))
        owed.setLabelFormat("%.0f €")
        owed.setTitleText("Restant dû")
        owed.setLinePenColor(QColor(colour))
        chart.addAxis(owed, Qt.AlignmentFlag.AlignRight)
        for axis in (paid, owed):
            axis.setTickCount(6)
            axis.applyNiceNumbers()
        bars.attachAxis(years)
        bars.attachAxis(paid)
        remaining.attachAxis(years)
        remaining.attachAxis(owed)
        first, last = self.years[0], self.years[-1]
        self.view.setToolTip(
            f"De {first[0]} à {last[0]} : capital {format_amount(sum(y[3] for y in self.years))}, "
            f"intérêts {format_amount(sum(y[2] for y in self.years))}, "
            f"assurance {format_amount(sum(y[4] for y in self.years))}"
        )


def schedule_tabs(name: str, table: QWidget, chart: PlanChart) -> QTabWidget:
    """The schedule by year and its chart, one tab each (the chart drawn when first shown)."""
    tabs = QTabWidget()
    tabs.setObjectName(name)
    tabs.setDocumentMode(True)
    tabs.addTab(table, "Tableau d'amortissement par année")
    tabs.addTab(chart, "Graphique")
    # It takes the room left by the figures above it, never theirs: at least a few years.
    tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
    tabs.setMinimumHeight(240)
    return tabs
