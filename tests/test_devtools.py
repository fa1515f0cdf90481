"""The benchmark harness finds the project it drives (it runs manage.py and gunicorn from there)."""
from devtools import benchutil


def test_benchutil_points_at_the_project_root():
    assert (benchutil.BASE_DIR / "manage.py").is_file()
