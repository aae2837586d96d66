-- A request for post-sale feedback on one lead, to the dealer that holds it. At most one
-- request per lead is open: open_lead_id is the lead's id while the request is open and
-- NULL once it is closed or revoked (NULLs never collide under UNIQUE).
CREATE TABLE feedback_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    dealer_id BIGINT NOT NULL REFERENCES dealers (id),
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    open_lead_id BIGINT UNIQUE,
    reminders_sent INTEGER NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX feedback_requests_lead ON feedback_requests (lead_id);
CREATE INDEX feedback_requests_dealer ON feedback_requests (dealer_id, opened_at);
CREATE INDEX feedback_requests_due ON feedback_requests (submitted_at, revoked_at, opened_at);

-- Emailed links to a request's form; only the SHA-256 of the secret is stored.
CREATE TABLE feedback_links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES feedback_requests (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX feedback_links_request ON feedback_links (request_id, created_at);

-- The short session a link is exchanged for, bound to one request.
CREATE TABLE feedback_sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    request_id BIGINT NOT NULL REFERENCES feedback_requests (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_sessions_request ON feedback_sessions (request_id);

-- The form's answers: a draft until submitted, editable until the request closes.
CREATE TABLE feedback (
    request_id BIGINT PRIMARY KEY NOT NULL REFERENCES feedback_requests (id) ON DELETE CASCADE,
    outcome TEXT,
    close_date DATE,
    revenue_cents BIGINT,
    currency TEXT NOT NULL,
    products TEXT NOT NULL,
    products_other TEXT NOT NULL,
    lost_reason TEXT,
    competitor TEXT NOT NULL,
    decision_factors TEXT NOT NULL,
    first_heard TEXT,
    lead_quality INTEGER,
    notes TEXT NOT NULL,
    completeness_permille INTEGER,
    answered INTEGER NOT NULL,
    applicable INTEGER NOT NULL,
    response_seconds BIGINT,
    saved_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP
);

-- A lead's recorded sale outcome (from submitted feedback).
CREATE TABLE sale_outcomes (
    lead_id BIGINT PRIMARY KEY NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    dealer_id BIGINT NOT NULL REFERENCES dealers (id),
    outcome TEXT NOT NULL,
    revenue_cents BIGINT,
    currency TEXT NOT NULL,
    close_date DATE,
    lost_reason TEXT,
    competitor TEXT,
    recorded_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_event_id TEXT NOT NULL
);

-- The outbox of outcome events for the attribution store, in the order they were written.
CREATE TABLE outcome_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    corrects_event_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outcome_events_lead ON outcome_events (lead_id);

-- A dealer's open offers by deadline (the inbox) without scanning every open offer.
CREATE INDEX offers_dealer_open ON offers (dealer_id, status, deadline_at);
DROP INDEX offers_dealer_status;
