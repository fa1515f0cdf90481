"""The benchmark harness finds the project it drives (it runs manage.py and gunicorn from there)."""
from devtools import benchutil


def test_benchutil_points_at_the_project_root():
    assert (benchutil.BASE_DIR / "manage.py").is_file()



def test_cpu_meter_counts_a_process_that_exits_inside_the_window():
    """A PostgreSQL backend may exit mid-run (a connection past CONN_MAX_AGE): its CPU must stay
    in its group, not fall into "other processes" (the meter samples every INTERVAL seconds)."""
    import os
    import subprocess
    import sys

    import psutil

    meter = benchutil.CpuMeter({"mine": psutil.Process(os.getpid())})
    meter.start()
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.2: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)  # a child of "mine", gone before stop()
    cores = meter.stop()
    assert meter.seconds["mine"] >= 0.6, (meter.seconds, cores)  # of the child's 1.2 s
