"""Per-lab helpers that checks and lab setup cells use: scratch databases, plans and timings,
normalisation loaders, ER-diagram parsing."""
