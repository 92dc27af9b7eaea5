-- Conversions name recipients by the operator's id (`sql::TOUCHES_BY_EXTERNAL_ID`,
-- `TOUCHES_BY_CAMPAIGN`): the ledger's unique key is (link, generation, external_id), which
-- a lookup without the generation can only use by `link`, reading every row the link was sent
-- to. This index finds the recipient directly (tests/e2e/plans.test.mjs).
CREATE INDEX IF NOT EXISTS sends_by_external_id ON sends (link, external_id);
