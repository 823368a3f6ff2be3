"""The first schema: vendors, products, signing keys, tokens, runs, cells and requirements.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("vendor_id", sa.Integer, sa.ForeignKey("vendors.id"), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.UniqueConstraint("vendor_id", "slug", name="uq_products_vendor_slug"),
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(80), nullable=False, unique=True),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("vendor_id", sa.Integer, sa.ForeignKey("vendors.id"), nullable=True),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("vendor_id", sa.Integer, sa.ForeignKey("vendors.id"), nullable=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("certificate_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
        sa.Column("product_version", sa.String(100), nullable=False),
        sa.Column("block", sa.String(64), nullable=False),
        sa.Column("profile_version", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("run_uuid", sa.String(64), nullable=False),
        sa.Column("key_id", sa.Integer, sa.ForeignKey("signing_keys.id"), nullable=False),
        sa.Column("assessment", sa.String(16), nullable=False),
        sa.Column("published_at", sa.String(32), nullable=False),
        sa.Column("certificate", sa.LargeBinary, nullable=False),
        sa.Column("report", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_runs_cell", "runs", ["product_id", "block", "profile_version", "issued_at"])
    op.create_index("ix_runs_block", "runs", ["block", "profile_version"])
    op.create_table(
        "cells",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
        sa.Column("block", sa.String(64), nullable=False),
        sa.Column("profile_version", sa.String(64), nullable=False),
        sa.Column("latest_run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.UniqueConstraint("product_id", "block", "profile_version", name="uq_cells_cell"),
    )
    op.create_table(
        "run_requirements",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("requirement_id", sa.String(32), primary_key=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.create_index("ix_run_requirements_requirement", "run_requirements", ["requirement_id"])
    op.create_table(
        "requirements",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("block", sa.String(64), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("adr", sa.Text, nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for table in ("requirements", "run_requirements", "cells", "runs", "tokens", "signing_keys"):
        op.drop_table(table)
    op.drop_table("products")
    op.drop_table("vendors")
