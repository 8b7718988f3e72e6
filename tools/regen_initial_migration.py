"""Development helper: rebuild migrations/versions/0001_initial.py from core.models.

Only while nothing has shipped; once a release exists, add new revisions instead."""
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
target = ROOT / "migrations" / "versions" / "0001_initial.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["connection_url"] = f"sqlite:///{tmp}/empty.db"
    command.revision(config, "initial schema", autogenerate=True, rev_id="0001")
generated = next((ROOT / "migrations" / "versions").glob("0001_*.py"))
generated.rename(target)
print("wrote", target.relative_to(ROOT))
