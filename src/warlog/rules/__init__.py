"""Coding rules kept as data: one YAML file per concern in this folder (see README.md).

`active()` is the compiled rule set in force; `pattern(file, id)` a handle on one named pattern
that follows overlays; `configure(dirs)` lays users' folders over the built-in one.
"""
from warlog.rules.loader import (CHOOSERS, CONDITIONS, BUILTIN_DIR, RuleError, RuleSet, active, chooser, condition,
                                 config_dirs, configure, load, pattern, patterns)

__all__ = ["CHOOSERS", "CONDITIONS", "BUILTIN_DIR", "RuleError", "RuleSet", "active", "chooser", "condition",
           "config_dirs", "configure", "load", "pattern", "patterns"]
