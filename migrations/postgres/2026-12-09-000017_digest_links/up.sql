-- The link in each weekly digest that turns the digest off without logging in: only the
-- hash of its secret is kept; it works once, for its user, until it expires.
CREATE TABLE digest_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX digest_links_user ON digest_links (user_id);
