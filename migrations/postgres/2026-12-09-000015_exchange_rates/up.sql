-- Monthly exchange rates an admin enters: how many units of `currency` one euro (the base
-- currency) bought in `month` (`YYYY-MM`), in millionths. Revenue and spend in another
-- currency are converted at the rate of their month; without one they are left out of
-- the reports, which say so.
CREATE TABLE exchange_rates (
    month TEXT NOT NULL,
    currency TEXT NOT NULL,
    per_base_micros BIGINT NOT NULL CHECK (per_base_micros > 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (month, currency)
);
