"""Redraw docs/vicuna-report.png, the README's picture of the HTML report: the offline check of
lmsys/vicuna-7b-v1.3 rendered as HTML, photographed by headless Chromium (1200 px wide, the
top of the page: verdict, obligations, lineage graph), then shrunk with pngquant when it is
installed. `python tools/report_screenshot.py` (needs `chromium`; Debian: apt-get install -y
chromium pngquant)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from model_licensecheck import check, render

OUT = Path(__file__).resolve().parents[1] / "docs" / "vicuna-report.png"
TARGET = "lmsys/vicuna-7b-v1.3"
WIDTH, HEIGHT = 1200, 1200


def main() -> None:
    """Render, photograph, optimise; the report's date comes from SOURCE_DATE_EPOCH if set."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("report_screenshot: chromium is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(render(check(TARGET, offline=True), "html"), encoding="utf-8")
        shot = Path(tmp) / "shot.png"
        shoot = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={Path(tmp) / 'profile'}", f"--window-size={WIDTH},{HEIGHT}",
                 f"--screenshot={shot}", page.as_uri()]  # fmt: skip
        subprocess.run(  # noqa: S603  # fixed arguments, our own file
            shoot,
            check=True,
            capture_output=True,
            timeout=120,
        )
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.unlink(missing_ok=True)
        pngquant = shutil.which("pngquant")
        if pngquant:
            shrink = [pngquant, "--force", "--skip-if-larger", "--strip", "--quality=70-90",
                      "--output", str(OUT), str(shot)]  # fmt: skip
            # pngquant declines (exit 98, 99) when it cannot do better: the original is kept.
            subprocess.run(shrink, check=False)  # noqa: S603  # fixed arguments
        if not OUT.exists():
            shutil.copyfile(shot, OUT)


if __name__ == "__main__":
    main()
