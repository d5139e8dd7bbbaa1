"""Regenerate the PNG pictures in docs/ from the zoo, through headless Chromium.

    python docs/screenshots.py        (needs: apt-get install chromium)
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from cnnshape.cli import main

DOCS = Path(__file__).parent
NETS = {"lenet5": [], "vgg16": [], "googlenet": ["--depth", "1"], "resnet50": ["--depth", "1"],
        str(DOCS / "branches.yaml"): []}  # blocks expanded: branches drawn as branches


def shoot(svg: str, png: Path) -> None:
    import re
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"',
                                                 svg).groups())
    chromium = shutil.which("chromium") or sys.exit("chromium not found")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(f'<html><body style="margin:0">{svg}</body></html>', encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--hide-scrollbars", "--disable-background-networking",
                        f"--user-data-dir={tmp}/profile", f"--screenshot={png}",
                        f"--window-size={int(width) + 1},{int(height) + 1}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)


if __name__ == "__main__":
    for name, args in NETS.items():
        svg = CliRunner().invoke(main, ["draw", name, *args], catch_exceptions=False).output
        png = DOCS / f"{Path(name).stem}.png"
        shoot(svg, png)
        print(png)
