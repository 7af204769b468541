"""From tags to a verdict: the dispersion measures, the aggregation per period, trend tables, figures and
the HTML report."""
