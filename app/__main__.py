"""``python -m app`` opens the desktop window."""
from app.desktop import main

raise SystemExit(main())
