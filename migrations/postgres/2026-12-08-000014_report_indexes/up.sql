-- The attribution report reads the leads of a period by when they were received or when
-- their sale closed.
CREATE INDEX leads_received ON leads (received_at);
CREATE INDEX sale_outcomes_close_date ON sale_outcomes (close_date);
