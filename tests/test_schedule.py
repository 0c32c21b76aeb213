import numpy as np
import pytest

from excolor.params.schedule import KeyframeSchedule, ScheduleError, minimum_jerk
from tests.conftest import PARAMS


def sched(name: str) -> KeyframeSchedule:
    return KeyframeSchedule.from_csv(PARAMS / 'schedules' / f'{name}.csv')


def test_minimum_jerk_endpoints_and_midpoint():
    assert minimum_jerk(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 0.5, 1.0]


@pytest.mark.parametrize('step, value', [(1, 8.561e-5), (2, 5.792e-4), (5, 5.0e-3), (500, 0.05415), (2000, 0.075)])
def test_ex23_lr_matches_upstream(step, value):
    assert sched('ex-2.3').at('lr', step) == pytest.approx(value, rel=1e-3)


def test_ex291_values_match_upstream():
    s = sched('ex-2.9.1')
    assert s.at('anchor', 100) == pytest.approx(0.03230, rel=1e-3)
    assert s.at('anti-subspace', 500) == pytest.approx(0.05484, rel=1e-3)


def test_relative_steps_round_half_to_even():
    # +0.33 between 0 and 750 is 247.5, which rounds to 248 (half to even)
    assert sched('ex-2.9.1').steps == (0, 10, 248, 750, 1425, 1500)
    assert sched('ex-2.2').steps == (0, 10, 1000, 5000, 7000, 10000, 15000, 20000)


@pytest.mark.parametrize('name, length', [('ex-2.2', 20001), ('ex-2.3', 3001), ('ex-2.9', 3001), ('ex-2.9.1', 1501), ('ex-2.10', 3001)])
def test_lengths(name, length):
    assert sched(name).length == length


def test_blank_first_cell_holds_first_filled_value():
    s = sched('ex-2.9.1')  # `separate` is blank at step 0; first filled is 0.01 at 248
    assert s.at('separate', 0) == 0.01
    assert s.at('separate', 248) == 0.01
    assert s.at('separate', 500) < 0.01


def test_all_weights_zero_in_fine_tuning():
    s = sched('ex-2.9')
    for name in s.names:
        if name != 'lr':
            assert np.all(s.values(name)[2800:] == 0)


def test_keyframe_values_reached_exactly():
    s = sched('ex-2.2')
    assert s.at('lr', 10) == 0.01 and s.at('lr', 10000) == 0.01 and s.at('lr', 20000) == 0.005


def test_per_batch_offset_quirk():
    s = sched('ex-2.9.1')
    quirky = s.per_batch('lr', 1501)
    fixed = s.per_batch('lr', 1501, offset_quirk=False)
    assert quirky[1500] == s.at('lr', 1499)  # the final keyframe is never applied
    assert fixed[1500] == s.at('lr', 1500) == 0.05
    assert quirky[0] == 1e-8


def test_no_transition_when_already_close():
    s = KeyframeSchedule.parse('STEP,x\n0,1e-9\n10,2e-9\n20,1\n')
    # 1e-9 → 2e-9 is within np.isclose: the value holds at 1e-9 until the next keyframe
    assert s.at('x', 10) == 1e-9
    assert 1e-9 < s.at('x', 15) < 1


def test_easings_and_log_space():
    s = KeyframeSchedule.parse('STEP,a::linear,b::step,c:log\n0,0,0,1e-4\n10,1,1,1e-2\n')
    assert s.at('a', 5) == 0.5
    assert s.at('b', 9) == 0 and s.at('b', 10) == 1
    assert s.at('c', 5) == pytest.approx(1e-3)


def test_backwards_keyframes_are_refused():
    with pytest.raises(ScheduleError, match=r'sched.csv, line 3, column .STEP.: keyframes run backwards'):
        KeyframeSchedule.parse('STEP,lr\n100,1\n50,2\n', source='sched.csv')


def test_bad_cell_names_line_and_column():
    with pytest.raises(ScheduleError, match=r"line 3, column 'lr': 'fast' is not a number"):
        KeyframeSchedule.parse('STEP,lr\n0,1\n10,fast\n', source='s.csv')


def test_unknown_easing_and_bad_step():
    with pytest.raises(ScheduleError, match='unknown easing'):
        KeyframeSchedule.parse('STEP,lr::wobble\n0,1\n')
    with pytest.raises(ScheduleError, match='not a step'):
        KeyframeSchedule.parse('STEP,lr\n0,1\nsoon,2\n')
    with pytest.raises(ScheduleError, match='needs absolute steps above and below'):
        KeyframeSchedule.parse('STEP,lr\n0,1\n+0.5,2\n')


def test_a_short_row_is_an_error_not_padded():
    with pytest.raises(ScheduleError, match=r'line 3.*3 cells but 4 columns; give every column a cell'):
        KeyframeSchedule.parse('STEP,lr,anchor,separate\n0,1e-8,0,0.1\n100,0.1,0.1\n')
