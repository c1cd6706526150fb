"""The memory decoder feature: corpus assembly, build/train/enable/status, perplexity evaluation."""
from __future__ import annotations
