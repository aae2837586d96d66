DROP TABLE outbound_emails;
DROP TABLE audit_events;
