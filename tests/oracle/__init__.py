"""An independent reference evaluator (the oracle) and policy/data generators, for tests only.

The oracle interprets a checked policy directly in Python. It shares only the parser and the
checker (syntax tree and name resolution) with clausewise; windows, calendar arithmetic,
aggregates, three-valued logic and outcome selection are written again here, so that a bug
in either path shows up as a disagreement.
"""
