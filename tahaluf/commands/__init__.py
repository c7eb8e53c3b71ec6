"""Subcommands beyond ``validate`` and ``reproduce``: one module per job.

Each module registers its subcommand(s) with :func:`tahaluf.cli.command` when
imported; :func:`tahaluf.cli.build_parser` imports them all.
"""
