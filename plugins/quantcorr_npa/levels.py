"""NPA levels offered by the plugin (no numerical imports: the CLI reads this at start-up)."""

LEVELS = ("1", "1+AB", "2", "3")
