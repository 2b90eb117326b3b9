-- strikebot schema v6: neutralized with no shot-down / suppressed split.
-- neutralized_unsplit is the report's total when it gives no figures by weapon
-- (weapons carry their own in the weapons JSON); unsplit is the summary's whole
-- unsplit count (its own plus its weapons'), summed by stats like destroyed
-- and suppressed. Rows stored before hold 0: nothing was unsplit then.

ALTER TABLE summaries ADD COLUMN neutralized_unsplit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE summaries ADD COLUMN unsplit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily_totals ADD COLUMN unsplit INTEGER NOT NULL DEFAULT 0;
