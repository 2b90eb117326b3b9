-- strikebot schema v3: an index for /top (the largest attacks). Active rows
-- in launched order, with period_end inside the index, so the top N of a long
-- window is read from the index front without a sort or a table lookup per row.

CREATE INDEX summaries_status_launched ON summaries (status, launched DESC, id, period_end);
