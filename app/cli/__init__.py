"""The ``mnemo`` command line: one module per command group, registered in ``main.COMMANDS``."""
