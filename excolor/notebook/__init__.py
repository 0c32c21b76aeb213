"""What an experiment notebook calls: one experiment for one seed (`experiment`) or a wide chunk
(`wide`), its page of outputs (`page`), and the standard figures and tables (`report`).
"""
