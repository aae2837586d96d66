-- Touchpoints that happen after a lead was handed over: sent by the marketing system
-- (with its own id for the touchpoint, unique per lead, so a re-send is idempotent) or
-- logged by the dealer from the lead page. Touchpoints that came with the lead have none.
ALTER TABLE touchpoints ADD COLUMN client_key TEXT;
ALTER TABLE touchpoints ADD COLUMN payload_hash TEXT;
ALTER TABLE touchpoints ADD COLUMN added_by TEXT NOT NULL DEFAULT 'intake';
CREATE UNIQUE INDEX touchpoints_client_key ON touchpoints (lead_id, client_key);

-- Each won outcome's revenue credited to its journey's touchpoints, per model, in integer
-- cents that sum exactly to the revenue (currency: the outcome's). slot is the touch's
-- place in the journey; a journey without touchpoints has one slot with no touchpoint
-- (reported as unattributed). Heuristic models are written with the outcome; the Markov
-- model's rows are rewritten by every run.
CREATE TABLE attribution_credits (
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    slot INTEGER NOT NULL,
    touchpoint_id BIGINT REFERENCES touchpoints (id) ON DELETE CASCADE,
    cents BIGINT NOT NULL,
    PRIMARY KEY (lead_id, model, slot)
);
CREATE INDEX attribution_credits_model ON attribution_credits (model, lead_id);

-- A run of the data-driven (Markov) model over every decided journey: what went in and
-- when, and (per channel) the removal effect, its share and the revenue credited (in the
-- base currency, EUR).
CREATE TABLE attribution_runs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_by TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    markov_order INTEGER NOT NULL,
    journeys BIGINT NOT NULL,
    conversions BIGINT NOT NULL,
    states BIGINT NOT NULL,
    conversion_probability DOUBLE PRECISION NOT NULL,
    credited_outcomes BIGINT NOT NULL,
    error TEXT
);

CREATE TABLE attribution_run_channels (
    run_id BIGINT NOT NULL REFERENCES attribution_runs (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    journeys BIGINT NOT NULL,
    removal_effect DOUBLE PRECISION NOT NULL,
    share DOUBLE PRECISION NOT NULL,
    credited_cents BIGINT NOT NULL,
    PRIMARY KEY (run_id, channel)
);
