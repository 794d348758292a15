"""Build step that pyproject.toml cannot express: the wheel carries a copy of the curriculum.

The notebooks live in ``notebooks/`` (chapters) and ``notebooks/apps/`` (apps) at the top of the
source tree, where they are written and tested.  Building a wheel copies them into the package as
``casekit/curriculum/notebooks/``, which :mod:`casekit.resources` reads and ``casekit init`` copies
into a course folder.  Everything else is configured in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_curriculum(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's notebooks/ directly
        target = Path(self.build_lib) / "casekit" / "curriculum" / "notebooks"
        for pattern, sub in (("notebooks/*.ipynb", ""), ("notebooks/apps/*.ipynb", "apps")):
            for src in sorted(HERE.glob(pattern)):
                dst = target / sub / src.name
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)


setup(cmdclass={"build_py": build_py_with_curriculum})
