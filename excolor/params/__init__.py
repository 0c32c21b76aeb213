"""An experiment's parameters: the schema (`schema`), bases and `--set` overrides (`layers`), keyframe
schedules (`schedule`) and which columns weight which terms (`columns`), parameter studies (`study`).
"""
