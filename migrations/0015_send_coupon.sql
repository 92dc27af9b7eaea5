-- A per-recipient coupon code on the send list, shown on the link's landing page.
ALTER TABLE sends ADD COLUMN coupon TEXT;
