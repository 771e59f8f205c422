"""`python -m model_licensecheck`: the same as the `licensecheck` command."""

from .console import run

if __name__ == "__main__":
    run()
