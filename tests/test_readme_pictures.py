"""The README, the readme fragments and the addon's description show the
pictures scripts/screenshots takes, and only those."""

import re
import unittest
from pathlib import Path

from .common import ADDON
from .readme_screenshots import PICTURES

ROOT = Path(__file__).parent.parent
DESCRIPTION = ROOT / ADDON / "static" / "description"
IMAGE = re.compile(r"""(?:!\[[^\]]*\]\(|src=")([^)"]+\.png)""")


class TestReadmePictures(unittest.TestCase):
    def _references(self, document):
        return {
            (document.parent / target).resolve()
            for target in IMAGE.findall(document.read_text(encoding="utf-8"))
        }

    def test_every_picture_shown_exists_and_is_taken_by_the_script(self):
        taken = {
            (DESCRIPTION / f"screenshot_{name}.png").resolve() for name in PICTURES
        }
        documents = [
            ROOT / "README.md",
            DESCRIPTION / "index.html",
            *sorted((ROOT / ADDON / "readme").glob("*.md")),
        ]
        shown = set()
        for document in documents:
            references = self._references(document)
            shown |= references
            for picture in references:
                self.assertTrue(picture.exists(), f"{document.name}: {picture}")
        self.assertEqual(shown, taken, "every picture taken is shown")
        on_disk = {path.resolve() for path in DESCRIPTION.glob("screenshot_*.png")}
        self.assertEqual(on_disk, taken, "no picture the script no longer takes")
