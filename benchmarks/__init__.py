"""GovChain benchmarks (``make bench`` → ``python -m benchmarks.run`` → reports/bench.json).

Separate from the tests: nothing here asserts; every figure is measured next to
a baseline taken in the same run on the same chain, so the report's ratios are
comparable across machines. See docs/benchmarks.md for what each key means.
"""
