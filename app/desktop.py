"""``mnemo-desktop`` / ``python -m app``: open the data folder and show the main window."""
from __future__ import annotations

import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from core.errors import MnemoError

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName("Mnemo")
    app.setOrganizationName("Mnemo")
    app.setDesktopFileName("mnemo")
    try:
        from app.services import Services

        services = Services()
    except MnemoError as exc:
        QMessageBox.critical(None, "Mnemo cannot start", str(exc))
        return 2
    from ui.main_window import MainWindow

    window = MainWindow(services)
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        services.close()


if __name__ == "__main__":
    raise SystemExit(main())
