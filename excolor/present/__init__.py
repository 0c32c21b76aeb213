"""What a reader sees: `figures`, `tables`, and numbers and metric names written for people
(`numbers`, `metric_labels`).
"""
