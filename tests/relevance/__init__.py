"""Relevance set for the search engine: a synthetic archive (:mod:`.distractors`) and queries."""
