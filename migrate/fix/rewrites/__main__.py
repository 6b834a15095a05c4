"""`python -m migrate.fix.rewrites`: write migrate/scan/fixable.toml from the rewrites' declarations."""

from importlib import resources

from migrate.fix.rewrites import fixable_toml

target = resources.files("migrate.scan").joinpath("fixable.toml")
with open(str(target), "w", encoding="utf-8") as handle:
    handle.write(fixable_toml())
print(f"wrote {target}")
