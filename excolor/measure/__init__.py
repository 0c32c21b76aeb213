"""Numbers from trained models and over seeds: evaluation (one seed, and wide), spread, paired tests and tails, and verdicts on printed numbers."""
