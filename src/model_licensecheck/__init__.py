"""model-licensecheck: may this model be used commercially, given everything it was made from?"""

from __future__ import annotations

__version__ = "0.1.0"
