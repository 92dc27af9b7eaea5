-- Issued operator API keys (the API_KEYS secret's keys are not rows). Only the SHA-256 of a
-- key is kept; `id` is the public part written in the key itself. A revoked key stays as a
-- row (revoked_at set) so listings show what existed.
CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,     -- 12 hex digits
  name          TEXT NOT NULL,
  scopes        TEXT NOT NULL,        -- comma-separated: read, write, conversions, admin
  digest        TEXT NOT NULL,        -- SHA-256 of the whole key, hex
  created_at    INTEGER NOT NULL,     -- unix ms
  last_used_at  INTEGER,              -- unix ms, kept to the minute
  revoked_at    INTEGER               -- unix ms
) STRICT;
