-- Every lead's journey as attribution reads it, one narrow row per lead, kept in the
-- transactions that change it (intake, an added touchpoint, an acceptance, a feedback
-- submission): a run over a million journeys reads this table alone. Times are
-- microseconds since 1970 (UTC). `path` is the touchpoints up to now in journey order
-- (time, then the order they were given in), each written `<id> <time> <bytes>:<channel>`
-- one after the other, so any channel text reads back exactly.
CREATE TABLE attribution_journeys (
    lead_id BIGINT PRIMARY KEY NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    received_us BIGINT NOT NULL,
    -- The latest acceptance by a dealer, if any.
    accepted_us BIGINT,
    -- The recorded outcome (won or lost), if any.
    outcome TEXT,
    -- A submitted form said the customer was never reached.
    unreached BOOLEAN NOT NULL DEFAULT FALSE,
    -- Won: the conversion (the end of the close date, or when the outcome was recorded).
    converted_us BIGINT,
    revenue_cents BIGINT,
    currency TEXT,
    last_event_id TEXT,
    path TEXT NOT NULL
);

INSERT INTO attribution_journeys (lead_id, received_us, accepted_us, outcome, unreached,
    converted_us, revenue_cents, currency, last_event_id, path)
SELECT
    l.id,
    (extract(epoch FROM l.received_at) * 1000000)::BIGINT,
    (SELECT (extract(epoch FROM o.responded_at) * 1000000)::BIGINT
       FROM offers o WHERE o.lead_id = l.id AND o.status = 'accepted'
      ORDER BY o.id DESC LIMIT 1),
    s.outcome,
    EXISTS (SELECT 1 FROM feedback f JOIN feedback_requests r ON r.id = f.request_id
             WHERE r.lead_id = l.id AND f.submitted_at IS NOT NULL AND f.outcome = 'unreached'),
    CASE WHEN s.outcome = 'won' THEN
        CASE WHEN s.close_date IS NOT NULL
             THEN (extract(epoch FROM s.close_date::TIMESTAMP)::BIGINT + 86399) * 1000000
             ELSE (extract(epoch FROM s.recorded_at) * 1000000)::BIGINT
        END
    END,
    s.revenue_cents,
    s.currency,
    s.last_event_id,
    coalesce((SELECT string_agg(t.id || ' ' || (extract(epoch FROM t.occurred_at) * 1000000)::BIGINT
                                || ' ' || octet_length(t.channel) || ':' || t.channel,
                                '' ORDER BY t.occurred_at, t.position)
                FROM touchpoints t WHERE t.lead_id = l.id), '')
FROM leads l LEFT JOIN sale_outcomes s ON s.lead_id = l.id;
