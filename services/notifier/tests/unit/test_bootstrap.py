import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("token", ["", "   "])
def test_the_notifier_process_will_not_start_without_its_intake_token(tmp_path, token):
    env = {**os.environ, "INTAKE_TOKEN": token, "DATABASE_URL": f"sqlite:///{tmp_path / 'notifier.db'}",
           "HTTP_PORT": "9"}   # a port it must never get as far as opening
    done = subprocess.run([sys.executable, "-m", "pathways_notifier"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "pathways_notifier: INTAKE_TOKEN is not set: the notifier needs a token with the internal scope "
        "(pathways token create --scope internal) to fetch referral documents"]
    assert not (tmp_path / "notifier.db").exists()   # refused before anything was made
