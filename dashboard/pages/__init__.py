"""The pages of the dashboard, one module each."""

#: The pages in navigation order (module names of this package).
PAGE_MODULES: tuple[str, ...] = (
    "overview", "map", "network", "unserved", "activation", "territories", "report", "data",
)
