"""The cockpit (驾驶舱): indicators, targets, forecasts and early warnings, ratings (晾晒) and briefings (成绩单).

Plain functions over the warehouse (Ibis) and plain data; no web or CLI imports. The entry points:

- `state.cockpit_state(warehouse)`: everything computed once per warehouse state (cached);
- `board.build_board(state, subject=…, period=…, lang=…)`: the cockpit as data (the JSON twin);
- `drill.indicator_detail` / `drill.case_page`: a figure's enterprises or sources, a rule's cases;
- `briefing.build_briefing` and `report.write_report`: the 成绩单 as text, HTML and PDF;
- `forecast`, `batch`, `backtest`: statsforecast for the cockpit's series, a vectorised
  Holt-Winters for thousands, MASE backtests.

Rules and catalogues are data: data/indicators.yaml, targets.yaml, warnings.yaml, ratings.yaml.
"""
