"""Ship the sample transcripts and codebooks inside the wheel.

They live at the top of the repository (where researchers look for them); this
hook copies them into ``pdcode/_bundled`` at build time so that `pdcode demo`
works from an installed package too. Editable installs read them in place.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("transcripts_sample", "codebooks")


class BuildWithSamples(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "pdcode" / "_bundled"
        for name in BUNDLED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithSamples})
