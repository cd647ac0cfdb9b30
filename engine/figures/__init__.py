"""Service figures (KPIs) for property managers and HQ: computed from what happened, rolled up by month.

``mapping`` reads the processes' audit trails into counted facts, ``kpis`` holds the
definitions and targets, ``rollup`` keeps the tables up to date (and rebuilds a month),
``queries`` reads them for the boards, the exports and the monthly report.
"""
