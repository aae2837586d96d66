CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE leads (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT,
    contact_phone TEXT,
    contact_company TEXT,
    country TEXT NOT NULL,
    postcode TEXT,
    region TEXT,
    product_line TEXT NOT NULL,
    grade TEXT,
    score INTEGER,
    consent_share BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    dealer_id BIGINT REFERENCES dealers (id),
    unallocated_reason TEXT,
    status_changed_at TIMESTAMP NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX leads_dealer_status ON leads (dealer_id, status);
CREATE INDEX leads_status_created ON leads (status, created_at);
CREATE INDEX leads_created ON leads (created_at);

CREATE TABLE touchpoints (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    channel TEXT NOT NULL,
    source TEXT,
    medium TEXT,
    campaign TEXT,
    content TEXT,
    kind TEXT
);
CREATE INDEX touchpoints_lead ON touchpoints (lead_id);
CREATE INDEX touchpoints_campaign ON touchpoints (campaign);

CREATE TABLE offers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    dealer_id BIGINT NOT NULL REFERENCES dealers (id),
    status TEXT NOT NULL,
    offered_at TIMESTAMP NOT NULL,
    reminder_at TIMESTAMP NOT NULL,
    deadline_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP,
    responded_at TIMESTAMP,
    decline_reason TEXT,
    decline_note TEXT
);
CREATE INDEX offers_lead ON offers (lead_id);
CREATE INDEX offers_dealer_status ON offers (dealer_id, status);
CREATE INDEX offers_status_deadline ON offers (status, deadline_at);
CREATE INDEX offers_status_reminder ON offers (status, reminder_at);

CREATE TABLE allocation_decisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    decided_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    chosen_dealer_id BIGINT REFERENCES dealers (id),
    reason TEXT NOT NULL,
    candidates TEXT NOT NULL
);
CREATE INDEX allocation_decisions_lead ON allocation_decisions (lead_id);

CREATE TABLE dealer_allocation_state (
    dealer_id BIGINT PRIMARY KEY NOT NULL REFERENCES dealers (id) ON DELETE CASCADE,
    entitled BIGINT NOT NULL,
    received BIGINT NOT NULL
);

CREATE TABLE lead_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    occurred_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    dealer_id BIGINT REFERENCES dealers (id),
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX lead_events_lead ON lead_events (lead_id);

CREATE INDEX dealer_territories_postcode ON dealer_territories (country, postcode_prefix);
CREATE INDEX dealer_territories_region ON dealer_territories (country, region);

INSERT INTO dealer_allocation_state (dealer_id, entitled, received) SELECT id, 0, 0 FROM dealers;
