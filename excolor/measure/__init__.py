"""Numbers from trained models and over seeds: evaluation (`evaluation`; `wide`: many seeds at once),
spread (`spread`), paired tests and concentration (`statistics`), tails (`tails`), and verdicts on the
original notebooks' printed numbers (`reproduction`).
"""
