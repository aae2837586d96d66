//! Tests for security.
