"""Service figures (KPIs) for property managers and HQ: computed from what happened, rolled up by month.

``mapping`` reads the processes' audit trails into counted facts, ``kpis`` holds the
definitions and targets, ``rollup`` keeps the tables up to date (and rebuilds a month),
``queries`` reads them for the boards, the exports and the monthly report; ``report`` fills the
monthly report to HQ; ``sheets`` writes the record sheets (XLSX); ``survey_rounds`` and
``survey_analysis`` are the satisfaction survey (征询表/调查表) [001]: rounds, one secret link per
household, answers, the return rate and the satisfaction rate by the seeds' formula.
"""
