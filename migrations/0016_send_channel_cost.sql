-- The channel a recipient was sent through and that send's own cost (minor units of the
-- campaign's currency), when the send list names them. Additive: existing rows keep NULL,
-- which means the link's or campaign's channel and the campaign's cost per send.
ALTER TABLE sends ADD COLUMN channel TEXT CHECK (channel IN ('sms', 'email', 'push', 'call'));
ALTER TABLE sends ADD COLUMN cost_minor INTEGER CHECK (cost_minor >= 0);
