"""What stop() waits for: the process ended (gone or a zombie), not only its pid no longer naming a local AWS
server (an exiting process loses its command line before it becomes a zombie)."""
import subprocess
import sys

from local_aws.cli import LocalAws
from local_aws.polling import wait_for


def test_a_running_process_has_not_ended_and_a_killed_one_has():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        assert not LocalAws._ended(proc.pid)
    finally:
        proc.kill()
    wait_for(lambda: LocalAws._ended(proc.pid), timeout=30, step=0.05, what="the killed process to end")

