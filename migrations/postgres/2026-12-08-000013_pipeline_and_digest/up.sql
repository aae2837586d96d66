-- The amount of the quote a dealer sent, when it gave one (in euro cents): the open
-- pipeline the attribution report shows per channel and campaign.
ALTER TABLE leads ADD COLUMN quote_cents BIGINT;

-- Channel managers get a weekly digest unless they turn it off.
ALTER TABLE users ADD COLUMN weekly_digest BOOLEAN NOT NULL DEFAULT TRUE;

-- The weeks whose digest went out (by the Monday they start): the instance that records a
-- week sends it, so several instances send it once.
CREATE TABLE digest_weeks (
    week_start DATE PRIMARY KEY NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    recipients BIGINT NOT NULL
);
