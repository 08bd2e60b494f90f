"""The portal's gunicorn settings (portal/gunicorn_config.py): what each worker does once the app is loaded."""

import gc
import platform
import subprocess
import sys

from portal import gunicorn_config


def test_a_worker_freezes_what_start_up_made_and_collects_less_often():
    thresholds = gc.get_threshold()
    try:
        gunicorn_config.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0  # the app, mappers and templates are out of the collector's sight
        assert gc.get_threshold()[0] == gunicorn_config.YOUNG_GENERATION_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_a_worker_keeps_upload_memory_where_glibc_allows_it():
    """In a process of its own (the setting lasts as long as the process): True where glibc took both settings."""
    code = "from portal.gunicorn_config import keep_upload_memory; print(keep_upload_memory())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(platform.libc_ver()[0] == "glibc")
