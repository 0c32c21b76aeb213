"""Run folders: staged and published in one step, locked per run, and refused clearly when unwritable."""

import errno
import os
import threading
import time

import pytest

from excolor.runs import folders


def test_publish_replaces_a_folder_whole(tmp_path):
    target = tmp_path / 'seed-000'
    with folders.lock(target):
        tmp = folders.staging(target)
        (tmp / 'a.txt').write_text('first')
        folders.publish(tmp, target)
    assert (target / 'a.txt').read_text() == 'first'
    with folders.lock(target):
        tmp = folders.staging(target)
        (tmp / 'b.txt').write_text('second')
        folders.publish(tmp, target)
    assert sorted(p.name for p in target.iterdir()) == ['b.txt']  # nothing of the old folder survives
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.seed-000.lock', 'seed-000']


def test_publish_without_the_atomic_swap(tmp_path, monkeypatch):
    monkeypatch.setattr(folders, '_exchange', lambda a, b: False)  # e.g. a file system without renameat2
    target = tmp_path / 'seed-000'
    target.mkdir()
    (target / 'old').write_text('x')
    tmp = folders.staging(target)
    (tmp / 'new').write_text('y')
    folders.publish(tmp, target)
    assert [p.name for p in target.iterdir()] == ['new']
    assert not (tmp_path / '.seed-000.old').exists()


def test_staging_removes_leftovers_of_a_killed_task(tmp_path):
    target = tmp_path / 'seed-000'
    for leftover in ('.seed-000.tmp', '.seed-000.old'):
        (tmp_path / leftover / 'sub').mkdir(parents=True)
        (tmp_path / leftover / 'sub' / 'half.png').write_bytes(b'\x89PNG')
    tmp = folders.staging(target)
    assert list(tmp.iterdir()) == []
    assert not (tmp_path / '.seed-000.old').exists()


def test_the_lock_excludes_other_holders(tmp_path):
    target = tmp_path / 'seed-000'
    order = []

    def second():
        with folders.lock(target):
            order.append('second')

    with folders.lock(target):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        order.append('first')
    t.join(10)
    assert order == ['first', 'second']
    with folders.lock(target), pytest.raises(TimeoutError):
        folders.lock(target, timeout=0.1).acquire()


def test_a_file_in_the_way(tmp_path):
    (tmp_path / 'runs').write_text('not a folder')
    with pytest.raises(folders.OutputError, match='is a file, where a folder is needed'):
        folders.ensure_writable(tmp_path / 'runs' / 'quick')
    with pytest.raises(folders.OutputError, match='is a file, where a folder is needed'):
        folders.ensure_writable(tmp_path / 'runs')


@pytest.mark.skipif(os.geteuid() == 0, reason='root ignores permissions (see test_a_file_in_the_way and the ENOSPC test)')
def test_a_read_only_folder(tmp_path):
    ro = tmp_path / 'ro'
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(folders.OutputError, match='permission denied'):
            folders.ensure_writable(ro / 'quick')
    finally:
        ro.chmod(0o700)


def test_a_full_disk(tmp_path, monkeypatch):
    real_open = open

    def full(path, mode='r', *args, **kwargs):
        if 'w' in mode and '.write-test-' in str(path):
            raise OSError(errno.ENOSPC, 'No space left on device', str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr('builtins.open', full)
    with pytest.raises(folders.OutputError, match='no space left on the device.*free some space'):
        folders.ensure_writable(tmp_path / 'runs')
    assert list((tmp_path / 'runs').iterdir()) == []  # the probe is gone


def test_read_only_file_system_message(tmp_path):
    msg = folders.describe_os_error(OSError(errno.EROFS, 'Read-only file system', '/mnt/x'), tmp_path)
    assert 'read-only' in msg and '--runs-dir' in msg


@pytest.fixture
def read_only_mount(tmp_path):
    """A read-only tmpfs (root can write through permission bits, not through a read-only mount); skip where mounting is not allowed."""
    import shutil
    import subprocess

    target = tmp_path / 'ro-mount'
    target.mkdir()
    if os.geteuid() != 0 or not shutil.which('mount'):
        pytest.skip('mounting needs root')
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', str(target)], capture_output=True).returncode != 0:
        pytest.skip('cannot mount a tmpfs here')
    try:
        yield target
    finally:
        subprocess.run(['umount', str(target)], capture_output=True)


def test_a_read_only_file_system(read_only_mount):
    with pytest.raises(folders.OutputError, match='read-only'):
        folders.ensure_writable(read_only_mount / 'quick')


def test_a_file_in_the_way_is_named(tmp_path):
    (tmp_path / 'runs').write_text('not a folder')
    with pytest.raises(folders.OutputError) as e:
        folders.ensure_writable(tmp_path / 'runs' / 'quick' / 'ex-2.9.1')
    assert str(e.value) == (f'cannot write run outputs to {tmp_path}/runs/quick/ex-2.9.1: {tmp_path}/runs is a file, where a folder is needed; '
                            'move it, or choose another folder with --runs-dir or EXCOLOR_RUNS')
