-- Every lead's journey as attribution reads it, one narrow row per lead, kept in the
-- transactions that change it (intake, an added touchpoint, an acceptance, a feedback
-- submission): a run over a million journeys reads this table alone. Times are
-- microseconds since 1970 (UTC). `path` is the touchpoints up to now in journey order
-- (time, then the order they were given in), each written `<id> <time> <bytes>:<channel>`
-- one after the other, so any channel text reads back exactly.
CREATE TABLE attribution_journeys (
    lead_id INTEGER PRIMARY KEY NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
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
    CAST(strftime('%s', l.received_at) AS INTEGER) * 1000000
        + CASE WHEN substr(l.received_at, 20, 1) = '.'
               THEN CAST(substr(l.received_at || '000000', 21, 6) AS INTEGER) ELSE 0 END,
    (SELECT CAST(strftime('%s', o.responded_at) AS INTEGER) * 1000000
            + CASE WHEN substr(o.responded_at, 20, 1) = '.'
                   THEN CAST(substr(o.responded_at || '000000', 21, 6) AS INTEGER) ELSE 0 END
       FROM offers o WHERE o.lead_id = l.id AND o.status = 'accepted'
      ORDER BY o.id DESC LIMIT 1),
    s.outcome,
    EXISTS (SELECT 1 FROM feedback f JOIN feedback_requests r ON r.id = f.request_id
             WHERE r.lead_id = l.id AND f.submitted_at IS NOT NULL AND f.outcome = 'unreached'),
    CASE WHEN s.outcome = 'won' THEN
        CASE WHEN s.close_date IS NOT NULL
             THEN (CAST(strftime('%s', s.close_date) AS INTEGER) + 86399) * 1000000
             ELSE CAST(strftime('%s', s.recorded_at) AS INTEGER) * 1000000
                  + CASE WHEN substr(s.recorded_at, 20, 1) = '.'
                         THEN CAST(substr(s.recorded_at || '000000', 21, 6) AS INTEGER) ELSE 0 END
        END
    END,
    s.revenue_cents,
    s.currency,
    s.last_event_id,
    coalesce((SELECT group_concat(entry, '') FROM (
        SELECT t.id || ' '
               || (CAST(strftime('%s', t.occurred_at) AS INTEGER) * 1000000
                   + CASE WHEN substr(t.occurred_at, 20, 1) = '.'
                          THEN CAST(substr(t.occurred_at || '000000', 21, 6) AS INTEGER) ELSE 0 END)
               || ' ' || length(CAST(t.channel AS BLOB)) || ':' || t.channel AS entry
          FROM touchpoints t WHERE t.lead_id = l.id
         ORDER BY t.occurred_at, t.position)), '')
FROM leads l LEFT JOIN sale_outcomes s ON s.lead_id = l.id;
