//! Tests for password_links.
