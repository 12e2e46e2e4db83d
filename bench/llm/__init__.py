"""Helpers of ``bench/llm_bench.py``: fault scenarios, the three clients, the seed's policy."""
