//! Tests for sessions.
