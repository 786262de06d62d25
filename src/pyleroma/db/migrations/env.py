"""Alembic's entry point: the logic lives in pyleroma.db.migrate, where tests can import it."""

from alembic import context

from pyleroma.db.migrate import run_migrations_from_env

run_migrations_from_env(context)
