//! PostgreSQL store (to come).
