"""Benchmark harness: problems x certifiers x visibility grid (`quantcorr bench SUITE`).

`suites` plans a run, `runner` executes its tasks on a `concurrent.futures` executor, `cache`
stores finished tasks so that runs resume, and `report` renders the results.
"""
