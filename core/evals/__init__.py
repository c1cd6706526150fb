"""Evaluations of Mnemo on public benchmarks (LoCoMo, ...)."""
