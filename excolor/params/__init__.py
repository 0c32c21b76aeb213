"""An experiment's parameters: the schema, bases and `--set` overrides, keyframe schedules and their columns, parameter studies."""
