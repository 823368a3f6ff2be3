"""The register's tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create
exactly these; a test compares the two.

Times are stored as ISO 8601 UTC strings ending in Z: they sort as text the same way on SQLite
and PostgreSQL, and go into the JSON API as they are.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

vendors = Table(
    "vendors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("vendor_id", Integer, ForeignKey("vendors.id"), nullable=False),
    Column("slug", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    UniqueConstraint("vendor_id", "slug", name="uq_products_vendor_slug"),
)

# Keys whose signatures the register accepts. kind "authority": a certifying party;
# kind "vendor": the vendor's own key, whose certificates are self-assessed.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fingerprint", String(80), nullable=False, unique=True),
    Column("public_pem", Text, nullable=False),
    Column("label", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("vendor_id", Integer, ForeignKey("vendors.id"), nullable=True),
    Column("added_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

# Only the SHA-256 of a token is kept: a copy of the database publishes nothing.
tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("vendor_id", Integer, ForeignKey("vendors.id"), nullable=True),
    Column("label", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("certificate_sha256", String(64), nullable=False, unique=True),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("product_version", String(100), nullable=False),
    Column("block", String(64), nullable=False),
    Column("profile_version", String(64), nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("score", Integer, nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("run_uuid", String(64), nullable=False),
    Column("key_id", Integer, ForeignKey("signing_keys.id"), nullable=False),
    Column("assessment", String(16), nullable=False),
    Column("published_at", String(32), nullable=False),
    Column("certificate", LargeBinary, nullable=False),
    # report.json, zlib-compressed: reports with evidence run to megabytes.
    Column("report", LargeBinary, nullable=False),
    Index("ix_runs_cell", "product_id", "block", "profile_version", "issued_at"),
    Index("ix_runs_block", "block", "profile_version"),
)

# One row per product, block and profile version: its latest run and the scores and verdicts
# of its last runs (JSON, oldest first), kept up to date on publication so that the overview
# reads one row per cell however many runs there are.
cells = Table(
    "cells",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("block", String(64), nullable=False),
    Column("profile_version", String(64), nullable=False),
    Column("latest_run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("history", Text, nullable=False),
    UniqueConstraint("product_id", "block", "profile_version", name="uq_cells_cell"),
)

# The outcome of every requirement in a run, from the signed certificate: the diff between
# two runs and the requirement page read these.
run_requirements = Table(
    "run_requirements",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("requirement_id", String(32), primary_key=True),
    Column("level", String(8), nullable=False),
    Column("outcome", String(32), nullable=False),
    Index("ix_run_requirements_requirement", "requirement_id"),
)

# The latest statement, level and ADR rules of each requirement, from the newest report.
requirements = Table(
    "requirements",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("block", String(64), nullable=False),
    Column("level", String(8), nullable=False),
    Column("statement", Text, nullable=False),
    Column("adr", Text, nullable=False),
    Column("issued_at", String(32), nullable=False),
)
