//! Tests for email.
