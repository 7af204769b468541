"""Tagging passages by state, dimension, area and stance: the tagger, its features, its labels, training,
evaluation, reader agreement, the saved models, and applying it to the store or to JSONL."""
