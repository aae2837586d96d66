CREATE TABLE offer_links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX offer_links_offer ON offer_links (offer_id);

-- Marketing campaigns (the touchpoints' campaign codes) and what they cost per month.
CREATE TABLE campaigns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE campaign_spend (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (campaign_id, month)
);

-- Region territories are matched case-insensitively: index what is compared.
CREATE INDEX dealer_territories_region_folded ON dealer_territories (country, lower(region));
