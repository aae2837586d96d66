//! Tests for browser.
