//! Tests for admin.
