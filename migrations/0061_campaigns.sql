-- Campaign records (PUT /api/v1/campaigns/{campaign}): the operator's JSON as written,
-- checked again on every read. Links need no row here: their campaign label groups them.
CREATE TABLE campaigns (
  id          TEXT PRIMARY KEY,       -- the campaign label links carry
  record      TEXT NOT NULL,          -- JSON (domain::campaign::CampaignInput)
  revision    INTEGER NOT NULL,       -- 1 when created, +1 on each replace
  created_at  INTEGER NOT NULL,       -- unix ms
  updated_at  INTEGER NOT NULL        -- unix ms
) STRICT;
