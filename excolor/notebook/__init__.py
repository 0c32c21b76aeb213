"""What an experiment notebook calls: one experiment for one seed (or a wide chunk), its page of outputs, and the standard figures and tables."""
