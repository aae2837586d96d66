//! Tests for migrations.
