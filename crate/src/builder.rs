//! Placeholder: a small model builder for tests and fixtures (being written).
